import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { IdempotencyRecord } from './idempotency-record.entity';

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectRepository(IdempotencyRecord) private readonly records: Repository<IdempotencyRecord>) {}

  /** Claims the key atomically: true when this request inserted it, false when it already existed. */
  async tryInsert(record: IdempotencyRecord): Promise<boolean> {
    await this.records.createQueryBuilder().insert().values(record).orIgnore().execute();
    // Drivers report ON CONFLICT DO NOTHING differently: whoever's id is in the row owns the key.
    const row = await this.find(record.merchantId, record.key);
    return row?.id === record.id;
  }

  find(merchantId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.records.findOneBy({ merchantId, key });
  }

  async complete(id: string, status: number, body: string): Promise<void> {
    await this.records.update({ id }, { state: 'completed', responseStatus: status, responseBody: body });
  }

  /** Takes over an abandoned in-progress claim (crashed instance) only if nobody else did first. */
  async takeOver(id: string, newId: string, staleBefore: Date, expiresAt: Date, now: Date): Promise<boolean> {
    const result = await this.records.update(
      { id, state: 'in_progress', createdAt: LessThan(staleBefore) },
      { id: newId, createdAt: now, expiresAt },
    );
    return (result.affected ?? 0) > 0;
  }

  async release(id: string): Promise<void> {
    await this.records.delete({ id });
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.records.delete({ expiresAt: LessThan(now) });
    return result.affected ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { bulkInsert } from '../database/bulk-update';
import { FraudnetReservation } from './fraudnet-reservation.entity';
import { RiskDecision } from './risk-decision.entity';

/** Every query is scoped by merchant. Decisions are append-only: there is no update or delete for them. */
@Injectable()
export class RiskRepository {
  constructor(
    @InjectRepository(RiskDecision) private readonly decisions: Repository<RiskDecision>,
    @InjectRepository(FraudnetReservation) private readonly reservations: Repository<FraudnetReservation>,
  ) {}

  async insertDecision(decision: RiskDecision): Promise<RiskDecision> {
    await this.decisions.insert(decision);
    return decision;
  }

  /** Many decisions in multi-row inserts (a billing batch records one per charge). */
  async insertDecisions(decisions: readonly RiskDecision[]): Promise<void> {
    await bulkInsert(this.decisions.manager, RiskDecision, decisions, { onConflict: 'error' });
  }

  /** Newest first, after the cursor's position when given: up to `limit + 1` rows (see `keysetPage`). */
  listDecisions(
    merchantId: string,
    options: { customerId?: string; after?: CursorPosition; limit: number },
  ): Promise<RiskDecision[]> {
    return keysetPage(this.decisions.createQueryBuilder('d'), {
      merchantId,
      after: options.after,
      limit: options.limit,
      filters: { customerId: options.customerId },
    });
  }

  async insertReservation(reservation: FraudnetReservation): Promise<FraudnetReservation> {
    await this.reservations.insert(reservation);
    return reservation;
  }

  /** This merchant's reservation if it is still usable (not used, not expired), else null. */
  findUsableReservation(merchantId: string, merchantUid: string, now: Date): Promise<FraudnetReservation | null> {
    return this.reservations.findOneBy({ merchantId, merchantUid, usedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  /**
   * Marks the reservation used if, at this instant, it is this merchant's, unused and unexpired: one conditional UPDATE
   * whose affected-row count decides, so two instances racing for it cannot both win.
   */
  async consumeReservation(merchantId: string, merchantUid: string, now: Date): Promise<boolean> {
    const result = await this.reservations.update(
      { merchantId, merchantUid, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    return result.affected === 1;
  }
}

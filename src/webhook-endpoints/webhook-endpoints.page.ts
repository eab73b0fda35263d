import type { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as ToType } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { DomainError } from '../common/errors/domain.error';
import { OptionalNotNull } from '../common/validation/optional-not-null';

/*
 * A minimal copy of the shared list envelope (`src/common/pagination`, branch `lists`), same cursor format, so the
 * lead can switch these imports to the shared helper at merge without changing a response.
 */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export function encodeCursor(row: CursorPosition): string {
  return Buffer.from(`${new Date(row.createdAt).toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (
    rest.length ||
    !id ||
    !/^[A-Za-z0-9_-]{1,40}$/.test(id) ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at
  ) {
    throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor returned by this endpoint', [
      { field: 'cursor', errors: ['invalid cursor'] },
    ]);
  }
  return { createdAt, id };
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @OptionalNotNull()
  @ToType(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page (opaque)' })
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}

export function pageParams(query: { limit?: number; cursor?: string }): { limit: number; after?: CursorPosition } {
  return { limit: query.limit ?? 20, ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) };
}

/** `limit + 1` rows in, one page out: the extra row only says that there is a next page. */
export function toPage<R extends CursorPosition, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { data: page.map(view), hasMore, nextCursor: hasMore && last ? encodeCursor(last) : null };
}

export function PageOf<T>(item: Type<T>, name: string): Type<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item] }) data: T[];
    @ApiProperty({ description: 'Whether an older page follows' }) hasMore: boolean;
    @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `cursor` for the next page' })
    nextCursor: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: name });
  return PageDto;
}

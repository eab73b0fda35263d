import type { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { encodeCursor, type CursorPosition } from './cursor';

/** The one list envelope: newest first; `nextCursor` is null exactly when `hasMore` is false. */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/**
 * Shapes `limit + 1` rows fetched by `keysetPage` into a page: the extra row only says there is a next page, and the
 * cursor is the last row actually returned.
 */
export function toPage<R extends CursorPosition, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { data: page.map(view), hasMore, nextCursor: hasMore && last ? encodeCursor(last) : null };
}

/** OpenAPI class of the envelope around `item` (`CustomerPage`, …). */
export function PageOf<T>(item: Type<T>, name = `${item.name.replace(/(Dto|View)$/, '')}Page`): Type<Page<T>> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item] }) data: T[];
    @ApiProperty({ description: 'Whether an older page follows' }) hasMore: boolean;
    @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `cursor` for the next page' })
    nextCursor: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: name });
  return PageDto;
}

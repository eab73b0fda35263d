export { decodeCursor, encodeCursor, type CursorPosition } from './cursor';
export { keysetPage, pageParams, type KeysetOptions } from './keyset';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, PageQueryDto } from './page-query.dto';
export { PageOf, toPage, type Page } from './page';

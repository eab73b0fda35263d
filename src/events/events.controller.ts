import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentMerchant } from '../auth/auth.decorators';
import type { Page } from '../common/pagination';
import type { Merchant } from '../merchants/merchant.entity';
import { EventListQueryDto, EventListView, EventView } from './dto/event.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOkResponse({ type: EventListView, description: 'Newest first; replay by paging with nextCursor' })
  list(@CurrentMerchant() merchant: Merchant, @Query() query: EventListQueryDto): Promise<Page<EventView>> {
    return this.events.list(merchant.id, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: EventView })
  get(@CurrentMerchant() merchant: Merchant, @Param('id') id: string): Promise<EventView> {
    return this.events.get(merchant.id, id);
  }
}

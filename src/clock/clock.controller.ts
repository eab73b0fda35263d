import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { ClockService } from './clock.service';
import { ClockStateDto, MoveClockDto } from './dto/move-clock.dto';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('v1/admin/clock')
export class ClockController {
  constructor(private readonly clock: ClockService) {}

  @Get()
  @ApiOperation({ summary: 'Read the application clock (test clock; refused in production)' })
  @ApiOkResponse({ type: ClockStateDto })
  get(): ClockStateDto {
    return this.clock.state();
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the application clock forward by advanceMs or to now (refused in production)' })
  @ApiOkResponse({ type: ClockStateDto })
  move(@Body() body: MoveClockDto): ClockStateDto {
    return this.clock.move(body);
  }
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageOf, PageQueryDto } from '../../common/pagination';

export class ApiKeyDto {
  @ApiProperty({ example: 'key_Q2x…' }) id: string;
  @ApiProperty({ description: 'Enough of the key to recognise it, never enough to use it', example: 'mk_AbCdEfG…wXyZ' })
  hint: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Last authenticated use, to the minute (updated at most once a minute)',
  })
  lastUsedAt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'When it was revoked; it no longer authenticates' })
  revokedAt: string | null;
}

export class CreatedApiKeyDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Shown once: only its hash is stored' }) apiKey: string;
  @ApiProperty({ type: ApiKeyDto }) key: ApiKeyDto;
}

export class ListApiKeysQueryDto extends PageQueryDto {}

export class ApiKeyPageDto extends PageOf(ApiKeyDto, 'ApiKeyPageDto') {}

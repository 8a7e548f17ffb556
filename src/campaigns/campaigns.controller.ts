import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { toPage } from '../common/pagination.dto.js';
import type { CampaignActor } from './campaigns.repository.js';
import { CampaignsService } from './campaigns.service.js';
import { CampaignDto, CampaignListQueryDto, CampaignPageDto, CreateCampaignDto } from './dto/campaign.dto.js';

function actorOf(tenant: TenantContext): CampaignActor {
  switch (tenant.principal.kind) {
    case 'api_key':
      return { kind: 'api_key', id: tenant.principal.apiKeyId };
    case 'user':
      return { kind: 'user', id: tenant.principal.userId };
    default:
      return { kind: 'system', id: null };
  }
}

/** Routes with :id take the campaign's id or its code (what the owner sees: K7P2QX). */
const ID_OR_CODE = ApiParam({ name: 'id', description: "The campaign's id or its code", example: 'K7P2QX' });

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get()
  @ApiOperation({ summary: 'List campaigns, newest first, optionally by status' })
  @ApiOkResponse({ type: CampaignPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: CampaignListQueryDto): Promise<CampaignPageDto> {
    const rows = await this.campaigns.list(tenant.organizationId, { status: query.status }, query.limit + 1, query.offset);
    return toPage(rows, query, CampaignDto.from);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One campaign with its counts' })
  @ApiOkResponse({ type: CampaignDto })
  @ApiErrors(401, 404)
  @ID_OR_CODE
  async get(@CurrentTenant() tenant: TenantContext, @Param('id') id: string): Promise<CampaignDto> {
    return CampaignDto.from(await this.campaigns.get(tenant.organizationId, id));
  }

  @Post()
  @ApiOperation({
    summary: 'Draft a campaign',
    description:
      'Stores a draft; nothing is sent until it is approved (here, or by the owner writing CONFIRMAR <code> to Aurora). ' +
      "Only customers who wrote to the sending number in the last 24 hours get it, unless the organization's `campaignsOutsideWindow` is on.",
  })
  @ApiCreatedResponse({ type: CampaignDto })
  @ApiErrors(400, 401, 404)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateCampaignDto): Promise<CampaignDto> {
    const audience = body.audience.kind === 'all' ? { kind: 'all' as const } : { kind: 'inactive' as const, days: body.audience.days! };
    const campaign = await this.campaigns.createDraft(tenant.organizationId, {
      objective: body.objective,
      audience,
      text: body.text,
      instanceId: body.instanceId,
      createdBy: actorOf(tenant),
    });
    return CampaignDto.from(campaign);
  }

  @Post(':id/approve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Approve a draft: its audience is resolved now and sending starts',
    description:
      'Recipients are the contacts that match the audience at this moment. Each gets one message through the outbound queue, ' +
      'spaced by the per-number pacer; opted-out contacts and (unless allowed) contacts outside the 24-hour window are skipped. ' +
      'Approving an approved or sending campaign changes nothing (and re-queues a lost sending job); a sent or cancelled one is 409. ' +
      '409 `instance_not_connected` when no WhatsApp number can send it.',
  })
  @ApiOkResponse({ type: CampaignDto })
  @ApiErrors(401, 404, 409, 503)
  @ID_OR_CODE
  async approve(@CurrentTenant() tenant: TenantContext, @Param('id') id: string): Promise<CampaignDto> {
    return CampaignDto.from(await this.campaigns.approve(tenant.organizationId, id, actorOf(tenant)));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a campaign: recipients not reached yet get nothing',
    description: 'Works on drafts, approved and sending campaigns (a message already handed to WhatsApp still goes); cancelling twice changes nothing; a sent or failed campaign is 409.',
  })
  @ApiOkResponse({ type: CampaignDto })
  @ApiErrors(401, 404, 409)
  @ID_OR_CODE
  async cancel(@CurrentTenant() tenant: TenantContext, @Param('id') id: string): Promise<CampaignDto> {
    return CampaignDto.from(await this.campaigns.cancel(tenant.organizationId, id, actorOf(tenant)));
  }
}

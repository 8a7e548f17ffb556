import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { toPage } from '../common/pagination.dto.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import type { BookingStatus } from '../database/schema.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import type { Actor } from './bookings.repository.js';
import { InvalidBookingWindowException } from './booking.exceptions.js';
import { BookingsService } from './bookings.service.js';
import {
  AvailabilityDto,
  AvailabilityQueryDto,
  BookingDto,
  BookingListQueryDto,
  BookingPageDto,
  BookingStatusChangeDto,
  CreateBookingDto,
  RescheduleBookingDto,
  SlotDto,
} from './dto/booking.dto.js';
import { zonedInstant } from './zoned-time.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A list bound as an instant: a bare day is the moment it starts in the shop's zone (what a dashboard
 * showing "26/11" means), not UTC midnight, which is 21:00 of the day before in São Paulo.
 */
function listBound(value: string, timeZone: string): Date {
  return DAY.test(value) ? zonedInstant(value, 0, timeZone) : new Date(value);
}

function actorOf(tenant: TenantContext): Actor {
  switch (tenant.principal.kind) {
    case 'api_key':
      return { kind: 'api_key', id: tenant.principal.apiKeyId };
    case 'user':
      return { kind: 'user', id: tenant.principal.userId };
    default:
      return { kind: 'system', id: null };
  }
}

@ApiTags('bookings')
@ApiBearerAuth()
@Controller('api/bookings')
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly organizations: OrganizationsService,
  ) {}

  @Get('availability')
  @ApiOperation({
    summary: 'Free slots of one service on one day, in the shop time zone',
    description: 'A day more than 365 days ahead has no slots: bookings are taken up to that far.',
  })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors(400, 401, 404)
  async availability(@CurrentTenant() tenant: TenantContext, @Query() query: AvailabilityQueryDto): Promise<AvailabilityDto> {
    const day = await this.bookings.availability(tenant.organizationId, query.serviceId, query.date);
    return {
      serviceId: day.service.id,
      date: query.date,
      timezone: day.timezone,
      durationMin: day.service.durationMin,
      slots: day.slots.map((slot) => SlotDto.from(slot, day.timezone)),
    };
  }

  @Get()
  @ApiOperation({ summary: 'List bookings, by time window, status and contact' })
  @ApiOkResponse({ type: BookingPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: BookingListQueryDto): Promise<BookingPageDto> {
    const timeZone = await this.timeZone(tenant);
    const from = query.from === undefined ? undefined : listBound(query.from, timeZone);
    const to = query.to === undefined ? undefined : listBound(query.to, timeZone);
    if (from !== undefined && to !== undefined && to < from) throw new InvalidBookingWindowException();
    const rows = await this.bookings.list(
      tenant.organizationId,
      { from, to, status: query.status, contactId: query.contactId },
      query.limit + 1,
      query.offset,
    );
    return toPage(rows, query, (row) => BookingDto.from(row, timeZone));
  }

  @Post()
  @ApiOperation({
    summary: 'Book a service',
    description: '409 `slot_taken` when the time is already booked (with `details.alternatives`); 422 `invalid_slot` when it can never be booked (closed, past, too soon, more than 365 days ahead).',
  })
  @ApiCreatedResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409, 422)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateBookingDto): Promise<BookingDto> {
    const booking = await this.bookings.create(
      tenant.organizationId,
      { ...body, startsAt: new Date(body.startsAt) },
      actorOf(tenant),
    );
    return BookingDto.from(booking, await this.timeZone(tenant));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One booking' })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<BookingDto> {
    return BookingDto.from(await this.bookings.get(tenant.organizationId, id), await this.timeZone(tenant));
  }

  @Post(':id/reschedule')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Move a scheduled or confirmed booking to another time' })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409, 422)
  async reschedule(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: RescheduleBookingDto,
  ): Promise<BookingDto> {
    const booking = await this.bookings.reschedule(tenant.organizationId, id, new Date(body.startsAt), actorOf(tenant), body.resourceId);
    return BookingDto.from(booking, await this.timeZone(tenant));
  }

  @Post(':id/confirm')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Confirm a scheduled booking' })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409)
  confirm(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Body() body: BookingStatusChangeDto) {
    return this.changeStatus(tenant, id, 'confirmed', body);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a booking; its time becomes free' })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409)
  cancel(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Body() body: BookingStatusChangeDto) {
    return this.changeStatus(tenant, id, 'cancelled', body);
  }

  @Post(':id/done')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Mark a booking as done (counts towards revenue)',
    description: '409 `booking_not_started` before the booking starts.',
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409)
  done(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Body() body: BookingStatusChangeDto) {
    return this.changeStatus(tenant, id, 'done', body);
  }

  @Post(':id/no-show')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Mark that the customer did not come',
    description: '409 `booking_not_started` before the booking starts (the owner would be alerted about a visit still ahead).',
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 401, 404, 409)
  noShow(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Body() body: BookingStatusChangeDto) {
    return this.changeStatus(tenant, id, 'no_show', body);
  }

  private async changeStatus(tenant: TenantContext, id: string, status: BookingStatus, body: BookingStatusChangeDto) {
    const booking = await this.bookings.changeStatus(tenant.organizationId, id, status, actorOf(tenant), body.reason);
    return BookingDto.from(booking, await this.timeZone(tenant));
  }

  private async timeZone(tenant: TenantContext): Promise<string> {
    return (await this.organizations.get(tenant.organizationId)).timezone;
  }
}

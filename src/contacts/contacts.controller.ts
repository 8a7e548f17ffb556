import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { toPage } from '../common/pagination.dto.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import { ContactsService } from './contacts.service.js';
import { ContactDto, ContactListQueryDto, ContactPageDto, CreateContactDto, UpdateContactDto } from './dto/contact.dto.js';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('api/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: 'List contacts, newest first; search by name or phone, filter by opt-out' })
  @ApiOkResponse({ type: ContactPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: ContactListQueryDto): Promise<ContactPageDto> {
    const rows = await this.contacts.listContacts(
      tenant.organizationId,
      { search: query.q, optedOut: query.optedOut },
      query.limit + 1,
      query.offset,
    );
    return toPage(rows, query, ContactDto.from);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a contact',
    description: 'The phone is stored in E.164. 409 `contact_exists` when the organization already has it (`details.contactId` names that contact).',
  })
  @ApiCreatedResponse({ type: ContactDto })
  @ApiErrors(400, 401, 409)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateContactDto): Promise<ContactDto> {
    return ContactDto.from(await this.contacts.createContact(tenant.organizationId, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contact' })
  @ApiOkResponse({ type: ContactDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ContactDto> {
    return ContactDto.from(await this.contacts.getContact(tenant.organizationId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the name or notes of a contact, or record that it opted out of messages' })
  @ApiOkResponse({ type: ContactDto })
  @ApiErrors(400, 401, 404)
  async update(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateContactDto,
  ): Promise<ContactDto> {
    return ContactDto.from(await this.contacts.updateContact(tenant.organizationId, id, body));
  }
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { toPage } from '../common/pagination.dto.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import { ContactsService } from './contacts.service.js';
import { CreatePetDto, PetDto, PetListQueryDto, PetPageDto, UpdatePetDto } from './dto/pet.dto.js';

@ApiTags('pets')
@ApiBearerAuth()
@Controller('api/pets')
export class PetsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: "List pets by name, optionally one contact's" })
  @ApiOkResponse({ type: PetPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: PetListQueryDto): Promise<PetPageDto> {
    const rows = await this.contacts.listPets(tenant.organizationId, { contactId: query.contactId }, query.limit + 1, query.offset);
    return toPage(rows, query, PetDto.from);
  }

  @Post()
  @ApiOperation({ summary: 'Register a pet of a contact', description: '404 when the contact is not in this organization.' })
  @ApiCreatedResponse({ type: PetDto })
  @ApiErrors(400, 401, 404)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreatePetDto): Promise<PetDto> {
    return PetDto.from(await this.contacts.createPet(tenant.organizationId, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One pet' })
  @ApiOkResponse({ type: PetDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<PetDto> {
    return PetDto.from(await this.contacts.getPet(tenant.organizationId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a pet; null clears an optional field' })
  @ApiOkResponse({ type: PetDto })
  @ApiErrors(400, 401, 404)
  async update(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdatePetDto,
  ): Promise<PetDto> {
    return PetDto.from(await this.contacts.updatePet(tenant.organizationId, id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a pet', description: 'Its past bookings stay, without the pet.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 404)
  async delete(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.contacts.deletePet(tenant.organizationId, id);
  }
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBase64, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';

const PHONE = /^\+?\d{10,15}$/;

export class SandboxPairDto {
  @ApiPropertyOptional({ example: '5511987654321', description: 'The phone that "scans"; defaults to the pairing-code phone' })
  @IsOptional()
  @Matches(PHONE, { message: 'phoneNumber must be digits with country code, such as 5511987654321' })
  phoneNumber?: string;
}

export class SandboxInboundMediaDto {
  @ApiProperty({ enum: ['image', 'audio', 'document'], example: 'image' })
  @IsIn(['image', 'audio', 'document'], { message: 'media.kind must be one of image, audio, document' })
  kind!: 'image' | 'audio' | 'document';

  @ApiProperty({ example: 'iVBORw0KGgo=', description: 'The bytes, base64' })
  @IsBase64({}, { message: 'media.base64 must be base64' })
  base64!: string;

  @ApiProperty({ example: 'image/jpeg' })
  @Matches(/^[\w.+-]+\/[\w.+-]+(;.*)?$/, { message: 'media.mimetype must be a MIME type such as image/jpeg' })
  mimetype!: string;

  @ApiPropertyOptional({ example: 'vacina.pdf' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  fileName?: string;
}

export class SandboxInboundDto {
  @ApiProperty({ example: '5511912345678', description: 'Sender, digits with country code' })
  @Matches(PHONE, { message: 'from must be digits with country code, such as 5511912345678' })
  from!: string;

  @ApiPropertyOptional({
    example: 'Quero agendar banho para o Rex amanhã às 10h',
    maxLength: 4096,
    description: 'The text; the caption when media is sent. Required without media.',
  })
  @ValidateIf((body: SandboxInboundDto) => body.media == null || body.text !== undefined)
  @IsString()
  @Length(1, 4096)
  text?: string;

  @ApiPropertyOptional({ type: SandboxInboundMediaDto, description: 'An image, voice note or document the customer sends' })
  @IsOptional()
  // An array would pass ValidateNested (it validates each element of none) and reach the transport as media.
  @IsObject()
  @ValidateNested()
  @Type(() => SandboxInboundMediaDto)
  media?: SandboxInboundMediaDto;

  @ApiPropertyOptional({ example: 'Ana' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  pushName?: string;

  @ApiPropertyOptional({ example: '3EB0A1B2C3D4E5F6A7B8C9', description: 'Reuse an id to simulate a redelivery' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{8,64}$/, { message: 'messageId must be 8 to 64 letters or digits' })
  messageId?: string;

  @ApiPropertyOptional({
    example: '123456789012345',
    description: "The sender's WhatsApp LID: the message then comes from <lid>@lid with the phone (from) as remoteJidAlt, as WhatsApp sends LID chats",
  })
  @IsOptional()
  @Matches(/^\d{6,20}$/, { message: 'lid must be 6 to 20 digits' })
  lid?: string;
}

export class SandboxDisconnectDto {
  @ApiProperty({ example: 408, description: "WhatsApp's close code (DisconnectReason): 408, 428, 440, 401, 515..." })
  @IsInt()
  @Min(100)
  @Max(999)
  statusCode!: number;
}

export class SandboxPairedDto {
  @ApiProperty({ example: '5511987654321', description: 'The phone that paired, digits with country code' })
  phoneNumber!: string;
}

export class SandboxInboundAcceptedDto {
  @ApiProperty({ example: '3EB0A1B2C3D4E5F6A7B8C9', description: "WhatsApp's id of the delivered message" })
  messageId!: string;
}

export class SandboxOutboundMessageDto {
  @ApiProperty({ example: '5511912345678', description: 'Digits with country code' })
  to!: string;

  @ApiProperty({ example: 'text', description: 'text, image or audio' })
  kind!: string;

  @ApiPropertyOptional({ example: 'Olá! Banho confirmado.', nullable: true, type: String, description: 'The text, or the caption of an image' })
  text!: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: Number, description: 'Size of the media in bytes; null for text' })
  bytes!: number | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  mimetype!: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: Boolean, description: 'Audio sent as a voice note' })
  ptt!: boolean | null;

  @ApiProperty({ example: '3EB0F1E2D3C4B5A69788' })
  messageId!: string;

  @ApiProperty({ example: 'delivered', enum: ['sent', 'delivered', 'read', 'failed'] })
  status!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  at!: string;
}

export class SandboxOutboundListDto {
  @ApiProperty({ type: [SandboxOutboundMessageDto], description: 'Oldest first' })
  data!: SandboxOutboundMessageDto[];
}

export class SandboxDisconnectedDto {
  @ApiProperty({ example: 408, description: 'The close code the connection was dropped with' })
  statusCode!: number;
}

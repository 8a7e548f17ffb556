import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBase64, IsBoolean, IsString, IsUrl, IsUUID, Length, Matches } from 'class-validator';
import { normalizePhoneNumber } from '../../common/phone-number.js';
import { IsOptionalNotNull } from '../../common/validation.js';

const RECIPIENT = /^\+?\d{10,15}$/;
const RECIPIENT_MESSAGE = 'to must be a phone number with country code, digits only (an optional leading +), such as 5511987654321';

class SendBaseDto {
  @ApiProperty({ example: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' })
  @IsUUID()
  instanceId!: string;

  @ApiProperty({
    example: '5511987654321',
    description:
      'Recipient with country code; Brazilian mobiles with or without the ninth digit are accepted: stored with it (the ' +
      "customer's conversation), sent to the spelling the account has on WhatsApp",
  })
  // E.164 as every phone is kept, so the send joins the customer's conversation whichever spelling staff typed.
  @Transform(({ value }) => (typeof value === 'string' && RECIPIENT.test(value) ? (normalizePhoneNumber(`+${value.replace(/^\+/, '')}`) ?? value) : value))
  @Matches(RECIPIENT, { message: RECIPIENT_MESSAGE })
  to!: string;
}

export class SendTextDto extends SendBaseDto {
  @ApiProperty({ example: 'Olá! Seu horário de banho está confirmado para amanhã às 10h.', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  text!: string;
}

class SendMediaDto extends SendBaseDto {
  @ApiPropertyOptional({ example: 'https://example.com/rex.jpg', description: 'Where to fetch the media (http or https); or send base64' })
  @IsOptionalNotNull()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url?: string;

  @ApiPropertyOptional({ example: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==' })
  @IsOptionalNotNull()
  @IsBase64()
  base64?: string;

  @ApiPropertyOptional({ example: 'image/jpeg', description: 'Defaults to the fetched Content-Type, or image/jpeg / audio/ogg' })
  @IsOptionalNotNull()
  @Matches(/^[a-z]+\/[\w.+-]+$/, { message: 'mimetype must look like image/jpeg' })
  mimetype?: string;
}

export class SendImageDto extends SendMediaDto {
  @ApiPropertyOptional({ example: 'O Rex ficou lindo!', maxLength: 1024 })
  @IsOptionalNotNull()
  @IsString()
  @Length(0, 1024)
  caption?: string;
}

export class SendAudioDto extends SendMediaDto {
  @ApiPropertyOptional({ example: true, description: 'Send as a voice note' })
  @IsOptionalNotNull()
  @IsBoolean()
  ptt?: boolean;
}

export class MessageAcceptedDto {
  @ApiProperty({ example: '0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e' })
  messageId!: string;

  @ApiProperty({ example: 'queued' })
  status!: string;
}

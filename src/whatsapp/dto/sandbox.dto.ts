import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

const PHONE = /^\+?\d{10,15}$/;

export class SandboxPairDto {
  @ApiPropertyOptional({ example: '5511987654321', description: 'The phone that "scans"; defaults to the pairing-code phone' })
  @IsOptional()
  @Matches(PHONE, { message: 'phoneNumber must be digits with country code, such as 5511987654321' })
  phoneNumber?: string;
}

export class SandboxInboundDto {
  @ApiProperty({ example: '5511912345678', description: 'Sender, digits with country code' })
  @Matches(PHONE, { message: 'from must be digits with country code, such as 5511912345678' })
  from!: string;

  @ApiProperty({ example: 'Quero agendar banho para o Rex amanhã às 10h', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  text!: string;

  @ApiPropertyOptional({ example: 'Ana' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  pushName?: string;

  @ApiPropertyOptional({ example: '3EB0A1B2C3D4E5F6A7B8C9', description: 'Reuse an id to simulate a redelivery' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{8,64}$/, { message: 'messageId must be 8 to 64 letters or digits' })
  messageId?: string;
}

export class SandboxDisconnectDto {
  @ApiProperty({ example: 408, description: "WhatsApp's close code (DisconnectReason): 408, 428, 440, 401, 515..." })
  @IsInt()
  @Min(100)
  @Max(999)
  statusCode!: number;
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Oxy API')
    .setDescription(
      'Multi-tenant WhatsApp assistant for pet shops and vet clinics. Every route except health and docs needs ' +
        '`Authorization: Bearer <token>`: an organization API key (`oxy_...`) or a Supabase user JWT. ' +
        'Errors share one shape: `{ statusCode, error, message, details?, requestId }`.\n\n' +
        'Realtime events (Socket.IO): connect to this host (path `/socket.io`) with `auth: { token }`, the same tokens ' +
        "as above; each socket receives only its own organization's events (`whatsapp:qr`, `whatsapp:connected`, " +
        '`message:sent`, ...). Events and payloads are listed in the README, section "Realtime events (Socket.IO)".',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Organization API key or Supabase JWT' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs, the document at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

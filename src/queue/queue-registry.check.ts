import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QUEUE_NAMES } from './queues.js';

// @nestjs/bullmq keeps this key internal (not in its package exports); @Processor() sets it.
const PROCESSOR_METADATA = 'bullmq:processor_metadata';

/** A worker process refuses to start if a queue in the registry has no processor. */
@Injectable()
export class QueueRegistryCheck implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const processed = new Set(
      this.discovery
        .getProviders()
        .map((wrapper) => (wrapper.metatype ? Reflect.getMetadata(PROCESSOR_METADATA, wrapper.metatype) : undefined))
        .filter((metadata): metadata is { name: string } => metadata !== undefined)
        .map((metadata) => metadata.name),
    );
    const missing = QUEUE_NAMES.filter((name) => !processed.has(name));
    if (missing.length > 0) throw new Error(`queues without a processor: ${missing.join(', ')}`);
  }
}

import { Global, Injectable, Module } from '@nestjs/common';

/** Time as a dependency, so rules about "now" (notice, past dates) can be tested at any instant. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}

import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';

export class MetricsDisabledException extends DomainException {
  constructor() {
    super('metrics_disabled', HttpStatus.FORBIDDEN, 'Metrics are disabled: set METRICS_TOKEN to enable /metrics');
  }
}

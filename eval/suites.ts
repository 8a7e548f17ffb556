import { auroraScenarios } from './aurora/scenarios.js';
import { auroraSuite } from './aurora/suite.js';
import { clientScenarios } from './client/scenarios.js';
import { clientSuite } from './client/suite.js';

/** The suites `npm run eval:*` runs, by name. */
export const suites = {
  client: { suite: clientSuite, scenarios: clientScenarios },
  aurora: { suite: auroraSuite, scenarios: auroraScenarios },
};

import { clientScenarios } from './client/scenarios.js';
import { clientSuite } from './client/suite.js';

/** The suites `npm run eval:*` runs, by name. */
export const suites = {
  client: { suite: clientSuite, scenarios: clientScenarios },
};

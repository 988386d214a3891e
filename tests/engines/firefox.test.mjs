// The pages in Firefox (tests/engines/suite.mjs holds the tests, one place for both engines).
import { engineSuite } from './suite.mjs';

engineSuite('firefox');

// The pages in WebKit, Safari's engine (tests/engines/suite.mjs holds the tests, one place for
// both engines).
import { engineSuite } from './suite.mjs';

engineSuite('webkit');

// The pages in WebKit, Safari's engine (tests/engines/suite.mjs holds the tests, one place for
// both engines).
import { engineSuite } from './suite.mjs';

// memoryWriter: true once web/js/download has the in-memory Blob writer ('memory').
engineSuite('webkit', { memoryWriter: false });

import { createRouter } from '../api/router.js';
import * as h from './experiments.handlers.js';
import * as r from './experiments.routes.js';

// The sample-size calculator before `{id}`: its path would match it.
export const experimentsRouter = createRouter()
  .openapi(r.sampleSize, h.sampleSizeHandler)
  .openapi(r.createExperiment, h.createExperimentHandler)
  .openapi(r.listExperiments, h.listExperimentsHandler)
  .openapi(r.getExperiment, h.getExperimentHandler)
  .openapi(r.experimentResults, h.experimentResultsHandler)
  .openapi(r.stopExperiment, h.stopExperimentHandler)
  .openapi(r.promoteExperiment, h.promoteExperimentHandler);

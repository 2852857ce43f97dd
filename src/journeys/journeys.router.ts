import { createRouter } from '../api/router.js';
import {
  cancelRunHandler,
  getJourneyHandler,
  getRunHandler,
  listJourneysHandler,
  listRunsHandler,
  putJourneyHandler,
  runningPerStepHandler,
  sweepChurnHandler,
} from './journeys.handlers.js';
import { cancelRun, getJourney, getRun, listJourneys, listRuns, putJourney, runningPerStep, sweepChurn } from './journeys.routes.js';

// Run routes first: "/api/journeys/runs/…" must not be read as a journey called "runs".
export const journeysRouter = createRouter()
  .openapi(sweepChurn, sweepChurnHandler)
  .openapi(getRun, getRunHandler)
  .openapi(cancelRun, cancelRunHandler)
  .openapi(listJourneys, listJourneysHandler)
  .openapi(getJourney, getJourneyHandler)
  .openapi(putJourney, putJourneyHandler)
  .openapi(listRuns, listRunsHandler)
  .openapi(runningPerStep, runningPerStepHandler);

import { createRouter } from '../api/router.js';
import { getBacklogHandler, postEventsHandler } from './events.handlers.js';
import { getBacklog, postEvents } from './events.routes.js';

export const eventsRouter = createRouter().openapi(postEvents, postEventsHandler).openapi(getBacklog, getBacklogHandler);

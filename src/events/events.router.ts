import { createRouter } from '../api/router.js';
import { postEventsHandler } from './events.handlers.js';
import { postEvents } from './events.routes.js';

export const eventsRouter = createRouter().openapi(postEvents, postEventsHandler);

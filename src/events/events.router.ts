import { createRouter } from '../api/app.js';
import { postEventsHandler } from './events.handlers.js';
import { postEvents } from './events.routes.js';

export const eventsRouter = createRouter().openapi(postEvents, postEventsHandler);

// What a test does with services or the database directly, outside any request or activity, it does in the
// `default` workspace (the app sets a request's workspace from its key, the worker an activity's from its
// workflow id; the application itself has no implicit workspace: a statement outside one fails).
import { actImplicitlyFor, DEFAULT_WORKSPACE } from '../../src/db/workspace.js';

actImplicitlyFor(DEFAULT_WORKSPACE);

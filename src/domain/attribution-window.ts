// How long after a touch (or an experiment's assignment) an order still counts as its conversion, unless the
// installation sets ATTRIBUTION_WINDOW_DAYS.
export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7;

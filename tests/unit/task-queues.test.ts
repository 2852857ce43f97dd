import { describe, expect, it } from 'vitest';
import { taskQueues, WORKLOADS } from '../../src/temporal/task-queues.js';

describe('task queues', () => {
  it('keeps the journeys on TEMPORAL_TASK_QUEUE itself (runs started before the split) and derives the others from it', () => {
    expect(taskQueues('touchpoint')).toEqual({
      journeys: 'touchpoint',
      campaigns: 'touchpoint-campaigns',
      maintenance: 'touchpoint-maintenance',
    });
    const queues = taskQueues('shop-eu');
    expect(new Set(WORKLOADS.map((w) => queues[w])).size).toBe(3);
  });
});

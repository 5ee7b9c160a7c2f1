/**
 * Runs tasks one at a time in arrival order. Upstream's agent is a single sync gunicorn
 * worker, so the controller never expects two mutations to interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The chain must continue whatever the task's outcome; the caller sees the rejection.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** The health manager produces on the worker's queue with the API's dispatcher (one job contract). */
export { BullmqFlowDispatcher, FLOW_QUEUE } from '../../../api/src/providers/bullmq-dispatcher';

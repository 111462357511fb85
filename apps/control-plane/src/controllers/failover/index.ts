export { FailoverError, FailoverErrorCode } from "./failover-error.ts";
export { type FailoverHandlerOptions, failoverHandler } from "./failover-handler.ts";
export { type DeregisterResult, deregisterBroker } from "./hand-back.ts";
export { type SpotNoticeController, spotNoticeController } from "./spot-notice-controller.ts";

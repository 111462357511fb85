import { modelViolations } from "../definitions/aws-sdk-model.ts";
import { awsError } from "./aws-fake-state.ts";

interface SendingClient {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

/**
 * Puts the service model in front of a mocked client: every command is checked against the model the
 * SDK package ships (`modelViolations`) before the fake sees it, and refused the way the service
 * refuses a malformed request (`errorName`: ValidationError on Query APIs, InvalidParameterValue on EC2).
 * With `throttling`, a well-formed request it says is throttled is refused as the service throttles (the
 * account's `timing.throttleRate`). Call it after `mockClient(client)`, whose stub it wraps.
 */
export function gateOnServiceModel(
  client: SendingClient,
  errorName: string,
  throttling?: { readonly throttled: () => boolean; readonly errorName: string },
): void {
  const mocked = client.send.bind(client);
  client.send = (command: unknown, ...rest: unknown[]) => {
    const problems = modelViolations(command as { input: unknown; schema: unknown });
    if (problems.length > 0) return Promise.reject(awsError(errorName, problems.join("; ")));
    if (throttling?.throttled()) return Promise.reject(awsError(throttling.errorName, "Rate exceeded"));
    return mocked(command, ...rest);
  };
}

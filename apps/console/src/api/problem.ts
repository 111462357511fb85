import { setToken } from "./session.ts";

/** An RFC 9457 problem as the control plane sends it (application/problem+json with a stable `code`). */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
}

/** What the login page says after a 401 ended the session: an expired token is told apart. */
export function sessionEndMessage(problem: unknown): string {
  return isProblem(problem) && problem.code === "TOKEN_EXPIRED"
    ? "Your API token has expired: sign in with another one (an admin creates tokens under Settings)."
    : "Your session ended: the API token was revoked or is no longer valid.";
}

/** Ends the session after a 401 `problem` (an answer's body or a stream's `error` event), saying why. */
export function signOutFor(problem: unknown): void {
  setToken(null, sessionEndMessage(problem));
}

/** Thrown by `unwrap` for any error answer; `message` is what a person should read. */
export class ApiProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.problem = problem;
  }

  /**
   * The request field a validation problem is about, as a JSON pointer into the body ("/spec/brokers/min"),
   * or null. The control plane words schema errors as `body<pointer>: <message>`.
   */
  get field(): { pointer: string; message: string } | null {
    const match = /^body(\/[^:]*)?: (.*)$/.exec(this.problem.detail ?? "");
    if (!match || this.problem.code !== "INVALID_REQUEST") return null;
    return { pointer: match[1] ?? "", message: match[2] ?? "" };
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "code" in value && "status" in value;
}

/** The data of an openapi-fetch answer, or an ApiProblem for an error answer or a network failure. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (error) {
    throw new ApiProblem({
      status: 0,
      code: "NETWORK",
      title: "The control plane cannot be reached",
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  if (answer.error !== undefined || !answer.response.ok) {
    const body = answer.error;
    throw new ApiProblem(
      isProblem(body)
        ? body
        : {
            status: answer.response.status,
            code: "HTTP_ERROR",
            title: answer.response.statusText || "Error",
          },
    );
  }
  return answer.data as T;
}

/** A message for any error caught while talking to the API. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An IAM policy statement as CloudFormation takes it (resources may be intrinsic functions like Fn::Sub). */
export interface IamStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const sub = (text: string) => ({ "Fn::Sub": text });

/** The IAM action names a set of statements grants. */
export function grantedActions(statements: readonly IamStatement[]): Set<string> {
  return new Set(statements.flatMap((s) => s.Action));
}

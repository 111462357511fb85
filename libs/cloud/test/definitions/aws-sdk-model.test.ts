import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateAutoScalingGroupCommand, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { AttachVolumeCommand, CreateVolumeCommand } from "@aws-sdk/client-ec2";
import { fakeAwsClients } from "../fakes/aws-fake-clients.ts";
import { FakeAwsAccount } from "../fakes/aws-fake-state.ts";
import { modelViolations } from "./aws-sdk-model.ts";

// Inputs built loosely on purpose: the TypeScript types would refuse them, the service model must too.
const loose = <T>(input: Record<string, unknown>) => input as T;

describe("AWS service models shipped in the SDK packages", () => {
  it("finds unknown members at any depth, missing required members and wrong primitive types", () => {
    assert.deepEqual(modelViolations(new SetDesiredCapacityCommand(loose({ AutoScalingGroupName: "g" }))), [
      "SetDesiredCapacity.DesiredCapacity: required",
    ]);
    assert.deepEqual(
      modelViolations(
        new CreateAutoScalingGroupCommand(
          loose({ AutoScalingGroupName: "g", MinSize: 0, MaxSize: "3", Tags: [{ Key: "k", Valu: "v" }] }),
        ),
      ),
      [
        "CreateAutoScalingGroup.MaxSize: expected a number, got string",
        "CreateAutoScalingGroup.Tags[0].Valu: not a member of Tag",
      ],
    );
    assert.deepEqual(
      modelViolations(
        new AttachVolumeCommand(loose({ VolumeId: "vol-1", InstanceId: "i-1", Device: "/dev/sdf" })),
      ),
      [],
    );
    assert.deepEqual(
      modelViolations(
        new CreateVolumeCommand(loose({ AvailabilityZone: "a", Size: 8, DeleteOnTermination: false })),
      ),
      ["CreateVolume.DeleteOnTermination: not a member of CreateVolumeRequest"],
    );
  });

  it("the fakes refuse a request the model refuses, before acting on it", async () => {
    const account = new FakeAwsAccount();
    const { autoScaling, ec2 } = fakeAwsClients(account);
    await assert.rejects(
      autoScaling.send(new SetDesiredCapacityCommand(loose({ AutoScalingGroupName: "g", Desired: 3 }))),
      (e: Error) => e.name === "ValidationError" && /Desired: not a member/.test(e.message),
    );
    await assert.rejects(
      ec2.send(new CreateVolumeCommand(loose({ AvailabilityZone: "us-east-1a", Size: 8, Tags: [] }))),
      (e: Error) => e.name === "InvalidParameterValue" && /Tags: not a member/.test(e.message),
    );
    assert.equal(account.volumes.size, 0);
  });
});

import { randomUUID } from "node:crypto";
import { closeSync, ftruncateSync, linkSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import type { Volume, VolumeSpec } from "../provider.ts";
import type { LocalInstance, LocalState, LocalVolume } from "./local-state.ts";

/** Local volume types, mirroring the clouds: only `shared-file` may be attached to several instances. */
export const LOCAL_VOLUME_TYPES = {
  file: { multiAttach: false },
  "shared-file": { multiAttach: true },
} as const;

/**
 * Volumes as files. The volume's file lives in `<root>/volumes/<id>.img`; attaching hard-links it to
 * `<instance dir>/volumes/<id>.img` (the folder the broker gets as CIRRUS_VOLUME_PATH), detaching
 * removes that link. A hard link keeps one inode, so what one broker wrote is what the next one reads,
 * and the pool file survives any crash between the two steps.
 */
export class LocalVolumes {
  readonly #root: string;
  readonly #state: () => LocalState;
  readonly #save: () => void;

  constructor(root: string, state: () => LocalState, save: () => void) {
    this.#root = root;
    this.#state = state;
    this.#save = save;
    mkdirSync(join(root, "volumes"), { recursive: true });
  }

  create(spec: VolumeSpec): Volume {
    const state = this.#state();
    if (!spec.clientToken) throw invalidArgument("clientToken is required");
    const existing = state.volumeTokens[spec.clientToken];
    if (existing && state.volumes[existing]) return this.#view(state.volumes[existing]);
    const type = LOCAL_VOLUME_TYPES[spec.type as keyof typeof LOCAL_VOLUME_TYPES];
    if (!type)
      throw invalidArgument(`local volume type must be one of ${Object.keys(LOCAL_VOLUME_TYPES).join(", ")}`);
    if (spec.multiAttach && !type.multiAttach) {
      throw new CloudError(
        CloudErrorCode.MULTI_ATTACH_UNSUPPORTED,
        `volume type ${spec.type} cannot be multi-attached`,
      );
    }
    if (!Number.isInteger(spec.sizeGiB) || spec.sizeGiB < 1 || spec.sizeGiB > 16384) {
      throw invalidArgument("sizeGiB must be an integer in 1..16384");
    }
    if (!spec.zone) throw invalidArgument("zone is required");
    const volume: LocalVolume = {
      id: `vol-${randomUUID().slice(0, 17).replace("-", "")}`,
      zone: spec.zone,
      sizeGiB: spec.sizeGiB,
      type: spec.type,
      multiAttach: spec.multiAttach,
      tags: { ...spec.tags },
      attachedTo: [],
    };
    const fd = openSync(this.#poolPath(volume.id), "wx");
    try {
      ftruncateSync(fd, spec.sizeGiB * 2 ** 30); // sparse: takes no space until written
    } finally {
      closeSync(fd);
    }
    state.volumes[volume.id] = volume;
    state.volumeTokens[spec.clientToken] = volume.id;
    this.#save();
    return this.#view(volume);
  }

  list(tags: Readonly<Record<string, string>>): Volume[] {
    return Object.values(this.#state().volumes)
      .filter((v) => Object.entries(tags).every(([k, value]) => v.tags?.[k] === value))
      .map((v) => this.#view(v));
  }

  describe(volumeId: string): Volume | undefined {
    const volume = this.#state().volumes[volumeId];
    return volume ? this.#view(volume) : undefined;
  }

  attach(volumeId: string, instance: LocalInstance): Volume {
    const volume = this.#get(volumeId);
    if (volume.attachedTo.includes(instance.id)) return this.#view(volume);
    if (instance.state === "terminated") {
      throw new CloudError(CloudErrorCode.INSTANCE_NOT_FOUND, `instance ${instance.id} is terminated`);
    }
    if (volume.zone !== instance.zone) {
      throw new CloudError(
        CloudErrorCode.ZONE_MISMATCH,
        `volume ${volume.id} is in ${volume.zone}, instance ${instance.id} in ${instance.zone}`,
      );
    }
    if (volume.attachedTo.length > 0 && !volume.multiAttach) {
      throw new CloudError(
        CloudErrorCode.VOLUME_IN_USE,
        `volume ${volume.id} is attached to ${volume.attachedTo[0]}`,
      );
    }
    mkdirSync(join(instance.dir, "volumes"), { recursive: true });
    const link = this.#instancePath(volume.id, instance.dir);
    rmSync(link, { force: true });
    linkSync(this.#poolPath(volume.id), link);
    volume.attachedTo.push(instance.id);
    this.#save();
    return this.#view(volume);
  }

  /** Detaching from an instance the volume is not attached to returns it unchanged. */
  detach(volumeId: string, instanceId: string): Volume {
    const volume = this.#get(volumeId);
    if (!volume.attachedTo.includes(instanceId)) return this.#view(volume);
    const instance = this.#state().instances[instanceId];
    if (instance) rmSync(this.#instancePath(volume.id, instance.dir), { force: true });
    volume.attachedTo = volume.attachedTo.filter((id) => id !== instanceId);
    this.#save();
    return this.#view(volume);
  }

  delete(volumeId: string): void {
    const state = this.#state();
    const volume = state.volumes[volumeId];
    if (!volume) return;
    if (volume.attachedTo.length > 0) {
      throw new CloudError(
        CloudErrorCode.VOLUME_IN_USE,
        `volume ${volumeId} is attached to ${volume.attachedTo.join(", ")}`,
      );
    }
    rmSync(this.#poolPath(volumeId), { force: true });
    delete state.volumes[volumeId];
    for (const [token, id] of Object.entries(state.volumeTokens))
      if (id === volumeId) delete state.volumeTokens[token];
    this.#save();
  }

  #get(volumeId: string): LocalVolume {
    const volume = this.#state().volumes[volumeId];
    if (!volume) throw new CloudError(CloudErrorCode.VOLUME_NOT_FOUND, `volume ${volumeId} does not exist`);
    return volume;
  }

  #poolPath(volumeId: string): string {
    return join(this.#root, "volumes", `${volumeId}.img`);
  }

  #instancePath(volumeId: string, instanceDir: string): string {
    return join(instanceDir, "volumes", `${volumeId}.img`);
  }

  #view(volume: LocalVolume): Volume {
    const instances = this.#state().instances;
    const paths: Record<string, string> = {};
    for (const id of volume.attachedTo) {
      const dir = instances[id]?.dir;
      if (dir) paths[id] = this.#instancePath(volume.id, dir);
    }
    return {
      id: volume.id,
      zone: volume.zone,
      sizeGiB: volume.sizeGiB,
      type: volume.type,
      multiAttach: volume.multiAttach,
      tags: { ...volume.tags },
      state: volume.attachedTo.length > 0 ? "in-use" : "available",
      attachedTo: [...volume.attachedTo],
      paths,
    };
  }
}

// The parts of the Docker Engine API's JSON that discovery reads (API v1.41 and later; podman's
// Docker-compatible service answers with the same shapes). Every field is optional: engines and
// versions differ in what they fill in. Pure types.

/** GET /containers/json: one running container. */
export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State?: string;
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface EndpointSettings {
  IPAddress?: string;
  GlobalIPv6Address?: string;
}

/** GET /containers/{id}/json. */
export interface ContainerInspect {
  Id: string;
  /** `/shop_web_1`. */
  Name?: string;
  /** RFC 3339 with nanoseconds. */
  Created?: string;
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    StartedAt?: string;
    /** Present only with a HEALTHCHECK on Docker; podman sends Status "" without one. */
    Health?: { Status?: string; FailingStreak?: number };
  };
  Config?: {
    Image?: string;
    Labels?: Record<string, string> | null;
    /** `{"80/tcp": {}}`. */
    ExposedPorts?: Record<string, unknown> | null;
    /** `Test: ["NONE"]` disables one the image defines. */
    Healthcheck?: { Test?: string[] | null } | null;
    /** `SIGTERM`, `15`, …: the signal `docker stop` sends. */
    StopSignal?: string;
  };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: {
    /** `{"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}]}`; null for an unpublished port. */
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, EndpointSettings> | null;
  };
}

/** One line of GET /events. */
export interface EngineEvent {
  Type?: string;
  /** `start`, `die`, `health_status: healthy` (Docker), `health_status` (podman), `connect`, … */
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

// ClientIP session affinity's timeout bounds (k8s.io/api core/v1 DefaultClientIPServiceAffinitySeconds
// and MaxClientIPServiceAffinitySeconds). Pure constants; any thread.

export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

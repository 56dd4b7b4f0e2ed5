namespace GpuPool.Cluster.Schema;

/// <summary>
/// The pool's tables, one migration per schema version. A migration is only ever appended: a released
/// version's SQL never changes, so every database reaches the same schema from wherever it stands.
/// </summary>
internal static class ClusterSchema
{
    /// <summary>The migrations in order; index i brings the schema from version i to i + 1.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // 1: nodes with their epoch and heartbeat, their devices, leases with fencing tokens.
        """
        CREATE TABLE gpupool_nodes (
            node_id       text        PRIMARY KEY,
            address       text        NOT NULL,
            epoch         bigint      NOT NULL,
            state         text        NOT NULL CHECK (state IN ('alive', 'dead')),
            heartbeat_at  timestamptz NOT NULL,
            started_at    timestamptz NOT NULL
        );
        CREATE TABLE gpupool_devices (
            node_id       text        NOT NULL REFERENCES gpupool_nodes (node_id),
            device_id     text        NOT NULL,
            kind          integer     NOT NULL,
            vendor        integer     NOT NULL,
            model         text        NOT NULL,
            memory_bytes  bigint      NOT NULL CHECK (memory_bytes >= 0),
            draining      boolean     NOT NULL DEFAULT false,
            PRIMARY KEY (node_id, device_id)
        );
        CREATE SEQUENCE gpupool_fencing_tokens;
        CREATE TABLE gpupool_leases (
            lease_id          text        PRIMARY KEY,
            tenant            text        NOT NULL,
            node_id           text        NOT NULL REFERENCES gpupool_nodes (node_id),
            node_epoch        bigint      NOT NULL,
            device_ids        text[]      NOT NULL,
            memory_bytes      bigint      NOT NULL,
            milli             integer     NOT NULL,
            priority          integer     NOT NULL,
            ttl_ms            bigint      NOT NULL,
            granted_at        timestamptz NOT NULL,
            expires_at        timestamptz NOT NULL,
            fencing_token     bigint      NOT NULL UNIQUE,
            client_request_id text,
            ended_at          timestamptz,
            end_reason        integer
        );
        CREATE INDEX gpupool_leases_live_by_node ON gpupool_leases (node_id, node_epoch) WHERE ended_at IS NULL;
        CREATE INDEX gpupool_leases_live_by_tenant ON gpupool_leases (tenant) WHERE ended_at IS NULL;
        """,

        // 2: the rest of the request on leases (so that the owner serves it as asked); client request ids idempotent pool-wide.
        """
        ALTER TABLE gpupool_leases ADD COLUMN cpu_milli integer NOT NULL DEFAULT 0;
        ALTER TABLE gpupool_leases ADD COLUMN host_memory_bytes bigint NOT NULL DEFAULT 0;
        ALTER TABLE gpupool_leases ADD COLUMN whole_devices boolean NOT NULL DEFAULT false;
        ALTER TABLE gpupool_leases ADD COLUMN isolation integer NOT NULL DEFAULT 0;
        ALTER TABLE gpupool_leases ADD COLUMN hard_cap boolean NOT NULL DEFAULT false;
        CREATE UNIQUE INDEX gpupool_leases_request_id ON gpupool_leases (tenant, client_request_id)
            WHERE ended_at IS NULL AND client_request_id IS NOT NULL;
        """,
    ];

    /// <summary>The version this build writes and reads.</summary>
    public static int LatestVersion => Migrations.Count;
}

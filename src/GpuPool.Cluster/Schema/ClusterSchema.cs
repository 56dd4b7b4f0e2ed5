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

        // 3: the pool's queue of waiting acquires (served by priority, then arrival, pool-wide), and the grant
        // as one server-side function: one round trip, and the device row locks are held only for
        // the function's own statements (each reads a fresh snapshot under READ COMMITTED, so the capacity
        // check after the locks sees every grant committed before them). Outcome: 0 granted, 1 the writer's
        // epoch is not current, 2 the owner is not alive, 3 the devices no longer hold the request, 4 (when asked
        // to skip locked devices) another grant holds one of them right now, 5 (when asked to yield) a waiter of
        // the request's priority or above is queued, 6 the waiter it is for has left the queue.
        """
        CREATE SEQUENCE gpupool_waiter_arrivals;
        CREATE TABLE gpupool_waiters (
            waiter_id   text    PRIMARY KEY,
            tenant      text    NOT NULL,
            node_id     text    NOT NULL REFERENCES gpupool_nodes (node_id),
            node_epoch  bigint  NOT NULL,
            priority    integer NOT NULL,
            arrival     bigint  NOT NULL DEFAULT nextval('gpupool_waiter_arrivals'),
            request     jsonb   NOT NULL,
            lease_id    text
        );
        CREATE INDEX gpupool_waiters_queue ON gpupool_waiters (priority DESC, arrival) WHERE lease_id IS NULL;

        CREATE FUNCTION gpupool_grant(
            p_writer text, p_writer_epoch bigint, p_id text, p_tenant text, p_node text, p_devices text[],
            p_memory bigint, p_milli integer, p_full_milli integer, p_cpu integer, p_host bigint, p_priority integer,
            p_ttl_ms bigint, p_request text, p_whole boolean, p_isolation integer, p_hard_cap boolean, p_skip_locked boolean,
            p_yield boolean, p_waiter text)
        RETURNS TABLE (outcome integer, fencing_token bigint, granted_at timestamptz, expires_at timestamptz, memory_bytes bigint, node_epoch bigint)
        LANGUAGE plpgsql VOLATILE
        SET lock_timeout = 1000
        AS $$
        #variable_conflict use_column
        DECLARE
            v_epoch bigint;
            v_count integer;
            v_locked integer;
            v_smallest bigint;
            v_memory bigint;
        BEGIN
            PERFORM 1 FROM gpupool_nodes n WHERE n.node_id = p_writer AND n.epoch = p_writer_epoch AND n.state = 'alive';
            IF NOT FOUND THEN
                RETURN QUERY SELECT 1, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                RETURN;
            END IF;

            IF p_yield AND EXISTS (
                SELECT 1 FROM gpupool_waiters w JOIN gpupool_nodes n ON n.node_id = w.node_id AND n.epoch = w.node_epoch AND n.state = 'alive'
                WHERE w.lease_id IS NULL AND w.priority >= p_priority)
            THEN
                RETURN QUERY SELECT 5, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                RETURN;
            END IF;

            -- The share lock holds off a concurrent death declaration until the grant commits.
            SELECT n.epoch INTO v_epoch FROM gpupool_nodes n WHERE n.node_id = p_node AND n.state = 'alive' FOR SHARE;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 2, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                RETURN;
            END IF;

            -- Row locks on the chosen devices, in one order everywhere.
            IF p_skip_locked THEN
                -- A device another grant holds right now is left to it: placement chooses again without it.
                SELECT count(*) INTO v_locked FROM (
                    SELECT 1 FROM gpupool_devices d WHERE d.node_id = p_node AND d.device_id = ANY(p_devices) ORDER BY d.device_id FOR UPDATE SKIP LOCKED) x;
                IF v_locked < (SELECT count(*) FROM gpupool_devices d WHERE d.node_id = p_node AND d.device_id = ANY(p_devices)) THEN
                    RETURN QUERY SELECT 4, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                    RETURN;
                END IF;
            ELSE
                PERFORM 1 FROM gpupool_devices d WHERE d.node_id = p_node AND d.device_id = ANY(p_devices) ORDER BY d.device_id FOR UPDATE;
            END IF;

            SELECT count(*), min(d.memory_bytes) INTO v_count, v_smallest
            FROM gpupool_devices d WHERE d.node_id = p_node AND d.device_id = ANY(p_devices) AND NOT d.draining;
            v_memory := CASE WHEN p_whole AND p_memory = 0 THEN v_smallest ELSE p_memory END;
            IF v_count <> cardinality(p_devices) OR EXISTS (
                SELECT 1
                FROM gpupool_devices d
                LEFT JOIN LATERAL (
                    SELECT sum(l.memory_bytes) AS memory, sum(l.milli) AS milli, count(*) AS leases
                    FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id AND n.epoch = l.node_epoch
                    WHERE l.node_id = p_node AND l.ended_at IS NULL AND l.expires_at > now() AND d.device_id = ANY(l.device_ids)
                ) u ON true
                WHERE d.node_id = p_node AND d.device_id = ANY(p_devices) AND CASE
                    WHEN p_whole THEN u.leases > 0 OR v_memory > d.memory_bytes
                    ELSE coalesce(u.memory, 0) + v_memory > d.memory_bytes OR coalesce(u.milli, 0) + p_milli > p_full_milli
                END)
            THEN
                RETURN QUERY SELECT 3, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                RETURN;
            END IF;

            -- A request id held by a live row (a queued retry of a granted request) is not granted twice.
            IF p_request IS NOT NULL AND EXISTS (
                SELECT 1 FROM gpupool_leases l WHERE l.tenant = p_tenant AND l.client_request_id = p_request AND l.ended_at IS NULL)
            THEN
                RETURN QUERY SELECT 3, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                RETURN;
            END IF;

            -- The waiter's row is locked by this update until the grant commits: a waiter leaving the queue
            -- meanwhile either finds the lease (and owns it) or is gone before it is granted.
            IF p_waiter IS NOT NULL THEN
                UPDATE gpupool_waiters w SET lease_id = p_id WHERE w.waiter_id = p_waiter AND w.lease_id IS NULL;
                IF NOT FOUND THEN
                    RETURN QUERY SELECT 6, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                    RETURN;
                END IF;
            END IF;

            RETURN QUERY
            INSERT INTO gpupool_leases AS l (lease_id, tenant, node_id, node_epoch, device_ids, memory_bytes, milli, cpu_milli, host_memory_bytes,
                                             priority, ttl_ms, granted_at, expires_at, fencing_token, client_request_id, whole_devices, isolation, hard_cap)
            VALUES (p_id, p_tenant, p_node, v_epoch, p_devices, v_memory, p_milli, p_cpu, p_host, p_priority, p_ttl_ms, now(),
                    now() + p_ttl_ms * interval '1 millisecond', nextval('gpupool_fencing_tokens'), p_request, p_whole, p_isolation, p_hard_cap)
            RETURNING 0, l.fencing_token, l.granted_at, l.expires_at, l.memory_bytes, l.node_epoch;
        END
        $$;
        """,

        // 4: group commit. A server's concurrent new grants go to the database together: one call, one
        // transaction, each item checked and granted in order with its own outcome (as gpupool_grant's, with
        // yield on and no waiter). An item may name an alternative placement (placement's next choice), taken
        // when the first no longer holds it: a server's view of the pool misses the grants other servers have in
        // flight, and the alternative saves a round trip. Every owner node and device named is locked up front in
        // one order (node, then device id), so batches never deadlock with each other; the devices' usage is read
        // once after the locks and kept in the function as its items take it. Each grant is announced
        // ('granted', with its devices, memory and compute) so that every server keeps its view of the pool up to
        // date without reading it back.
        """
        CREATE FUNCTION gpupool_grant_batch(p_writer text, p_writer_epoch bigint, p_items jsonb, p_full_milli integer)
        RETURNS TABLE (item integer, alternative boolean, outcome integer, fencing_token bigint, granted_at timestamptz, expires_at timestamptz, memory_bytes bigint, node_epoch bigint)
        LANGUAGE plpgsql VOLATILE
        SET lock_timeout = 1000
        AS $$
        #variable_conflict use_column
        DECLARE
            r record;
            v_top integer;
            v_nodes text[];
            v_epochs bigint[];
            v_dnode text[];
            v_ddev text[];
            v_total bigint[];
            v_draining boolean[];
            v_used_memory bigint[];
            v_used_milli bigint[];
            v_used_leases bigint[];
            v_idx integer[];
            v_node text;
            v_dev text;
            v_devices text[];
            v_priority integer;
            v_milli integer;
            v_whole boolean;
            v_epoch bigint;
            v_smallest bigint;
            v_memory bigint;
            v_pos integer;
            v_k integer;
            v_choice integer;
            v_outcome integer;
        BEGIN
            PERFORM 1 FROM gpupool_nodes n WHERE n.node_id = p_writer AND n.epoch = p_writer_epoch AND n.state = 'alive';
            IF NOT FOUND THEN
                RETURN QUERY SELECT (e.ordinality - 1)::integer, false, 1, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint
                    FROM jsonb_array_elements(p_items) WITH ORDINALITY e;
                RETURN;
            END IF;

            -- A new request does not overtake a queued waiter of its priority or above.
            SELECT max(w.priority) INTO v_top
            FROM gpupool_waiters w JOIN gpupool_nodes n ON n.node_id = w.node_id AND n.epoch = w.node_epoch AND n.state = 'alive'
            WHERE w.lease_id IS NULL;

            -- Owners share-locked (a death declaration or a new epoch waits for the commit), then every device
            -- named, in one order. Every grant locks its devices first, so while these locks are held no lease
            -- is added on them but this batch's: their usage is read once, after the locks, and kept here.
            SELECT coalesce(array_agg(x.node_id), '{}'), coalesce(array_agg(x.epoch), '{}') INTO v_nodes, v_epochs FROM (
                SELECT n.node_id, n.epoch, n.state FROM gpupool_nodes n
                WHERE n.node_id IN (SELECT x->>'node' FROM jsonb_array_elements(p_items) x UNION ALL SELECT x->>'alt_node' FROM jsonb_array_elements(p_items) x)
                ORDER BY n.node_id FOR SHARE) x
            WHERE x.state = 'alive';
            SELECT coalesce(array_agg(x.node_id), '{}'), coalesce(array_agg(x.device_id), '{}'), coalesce(array_agg(x.memory_bytes), '{}'), coalesce(array_agg(x.draining), '{}')
            INTO v_dnode, v_ddev, v_total, v_draining FROM (
                SELECT d.node_id, d.device_id, d.memory_bytes, d.draining FROM gpupool_devices d
                WHERE (d.node_id, d.device_id) IN (
                    SELECT x->>'node', dev FROM jsonb_array_elements(p_items) x CROSS JOIN LATERAL jsonb_array_elements_text(x->'devices') dev
                    UNION ALL
                    SELECT x->>'alt_node', dev FROM jsonb_array_elements(p_items) x CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(x->'alt_devices', '[]')) dev)
                ORDER BY d.node_id, d.device_id FOR UPDATE) x;
            SELECT coalesce(array_agg(coalesce(u.memory, 0)::bigint ORDER BY k.i), '{}'), coalesce(array_agg(coalesce(u.milli, 0)::bigint ORDER BY k.i), '{}'), coalesce(array_agg(coalesce(u.leases, 0)::bigint ORDER BY k.i), '{}')
            INTO v_used_memory, v_used_milli, v_used_leases
            FROM unnest(v_dnode, v_ddev) WITH ORDINALITY k(node, dev, i)
            LEFT JOIN LATERAL (
                SELECT sum(l.memory_bytes) AS memory, sum(l.milli) AS milli, count(*) AS leases
                FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id AND n.epoch = l.node_epoch
                WHERE l.node_id = k.node AND l.ended_at IS NULL AND l.expires_at > now() AND k.dev = ANY(l.device_ids)
            ) u ON true;

            FOR r IN SELECT (e.ordinality - 1)::integer AS i, e.value AS x FROM jsonb_array_elements(p_items) WITH ORDINALITY e ORDER BY e.ordinality LOOP
                v_priority := (r.x->>'priority')::integer;
                v_milli := (r.x->>'milli')::integer;
                v_whole := (r.x->>'whole')::boolean;
                IF v_top IS NOT NULL AND v_top >= v_priority THEN
                    RETURN QUERY SELECT r.i, false, 5, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                    CONTINUE;
                END IF;

                -- The first choice, then the alternative: owner alive, every device known, distinct, not draining,
                -- and room on each for the request on top of what it holds (the items before included).
                v_choice := 0;
                LOOP
                    v_node := r.x->>(CASE v_choice WHEN 0 THEN 'node' ELSE 'alt_node' END);
                    v_devices := ARRAY(SELECT jsonb_array_elements_text(r.x->(CASE v_choice WHEN 0 THEN 'devices' ELSE 'alt_devices' END)));
                    v_outcome := 0;
                    v_idx := '{}';
                    v_smallest := NULL;
                    v_pos := array_position(v_nodes, v_node);
                    IF v_pos IS NULL THEN
                        v_outcome := 2;
                    ELSE
                        v_epoch := v_epochs[v_pos];
                        FOREACH v_dev IN ARRAY v_devices LOOP
                            v_k := NULL;
                            FOR j IN 1 .. cardinality(v_dnode) LOOP
                                IF v_dnode[j] = v_node AND v_ddev[j] = v_dev THEN
                                    v_k := j;
                                    EXIT;
                                END IF;
                            END LOOP;
                            IF v_k IS NULL OR v_draining[v_k] OR v_k = ANY(v_idx) THEN
                                v_outcome := 3;
                                EXIT;
                            END IF;
                            v_idx := v_idx || v_k;
                            v_smallest := least(v_smallest, v_total[v_k]);
                        END LOOP;
                        IF v_outcome = 0 AND cardinality(v_idx) = 0 THEN
                            v_outcome := 3;
                        END IF;
                        IF v_outcome = 0 THEN
                            v_memory := CASE WHEN v_whole AND (r.x->>'memory')::bigint = 0 THEN v_smallest ELSE (r.x->>'memory')::bigint END;
                            FOREACH v_k IN ARRAY v_idx LOOP
                                IF (v_whole AND (v_used_leases[v_k] > 0 OR v_memory > v_total[v_k]))
                                   OR (NOT v_whole AND (v_used_memory[v_k] + v_memory > v_total[v_k] OR v_used_milli[v_k] + v_milli > p_full_milli)) THEN
                                    v_outcome := 3;
                                    EXIT;
                                END IF;
                            END LOOP;
                        END IF;
                    END IF;

                    EXIT WHEN v_outcome = 0 OR v_choice = 1 OR r.x->'alt_node' IS NULL;
                    v_choice := 1;
                END LOOP;

                IF v_outcome <> 0 THEN
                    RETURN QUERY SELECT r.i, false, v_outcome, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint;
                    CONTINUE;
                END IF;

                FOREACH v_k IN ARRAY v_idx LOOP
                    v_used_memory[v_k] := v_used_memory[v_k] + v_memory;
                    v_used_milli[v_k] := v_used_milli[v_k] + v_milli;
                    v_used_leases[v_k] := v_used_leases[v_k] + 1;
                END LOOP;

                RETURN QUERY
                INSERT INTO gpupool_leases AS l (lease_id, tenant, node_id, node_epoch, device_ids, memory_bytes, milli, cpu_milli, host_memory_bytes,
                                                 priority, ttl_ms, granted_at, expires_at, fencing_token, client_request_id, whole_devices, isolation, hard_cap)
                VALUES (r.x->>'id', r.x->>'tenant', v_node, v_epoch, v_devices, v_memory, v_milli, (r.x->>'cpu')::integer, (r.x->>'host')::bigint,
                        v_priority, (r.x->>'ttl_ms')::bigint, now(), now() + (r.x->>'ttl_ms')::bigint * interval '1 millisecond',
                        nextval('gpupool_fencing_tokens'), NULL, v_whole, (r.x->>'isolation')::integer, (r.x->>'hard_cap')::boolean)
                RETURNING r.i, v_choice = 1, 0, l.fencing_token, l.granted_at, l.expires_at, l.memory_bytes, l.node_epoch;

                PERFORM pg_notify('gpupool_leases', 'granted::' || json_build_object(
                    'l', r.x->>'id', 'n', v_node, 'd', v_devices, 'm', v_memory, 'c', v_milli)::text);
            END LOOP;
        END
        $$;
        """,

        // 5: a node's CPU and host memory, checked by both grant functions (re-created).
        NodeCapacitySchema.Migration,

        // 6: the batch grant re-created to insert and announce its grants in one statement (same outcomes).
        BatchGrantSchema.Migration,

        // 7: ended leases indexed by when they ended, for their deletion after the retention.
        EndedLeaseSchema.Migration,
    ];

    /// <summary>The version this build writes and reads.</summary>
    public static int LatestVersion => Migrations.Count;
}

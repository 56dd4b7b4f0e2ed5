namespace GpuPool.Cluster.Schema;

/// <summary>
/// Schema version 6: the batch grant (<c>gpupool_grant_batch</c>, same signature and outcomes as version 5) re-created
/// to cost PostgreSQL less per call and per item. Most of version 5's cost was starting statements (executor set-up
/// of aggregates, hash joins and sub-plans, about a quarter of the backend's CPU) rather than running them:
/// <list type="bullet">
/// <item>what the items name (owners, owner/device pairs) and whether any takes a node's CPU or host memory are read
/// from the JSON with plain expressions, once;</item>
/// <item>the writer's fence and the queue's top priority are one statement; when no item takes CPU or host memory the
/// owners are share-locked by one statement (node order, as before); owners and devices are looked up by key
/// (<c>= ANY</c>): version 5's <c>IN</c> over the items' JSON made generic plans (the servers' connections use them)
/// read every node and device of the pool, about a millisecond a call at the trace's 1,213 nodes;</item>
/// <item>locked rows and usage are read by loops instead of <c>array_agg</c>; the owners' CPU and host memory in use
/// only when one of them declares a limit;</item>
/// <item>each item's devices are read without a query and a refusal is returned without one; the granted items are
/// inserted by one statement, in item order (fencing tokens in that order), and announced by one more
/// (<c>granted::{json}</c>, the same fields as version 5).</item>
/// </list>
/// Measured with <c>pgbench</c> on the call alone (generic plans, a backend's CPU per call of 6 items): 2,930–2,990 µs for
/// version 5 in a pool of 1,216 nodes and 9,710 devices, 766–816 µs for this version.
/// </summary>
internal static class BatchGrantSchema
{
    /// <summary>The migration from version 5 to 6.</summary>
    public const string Migration = """
        CREATE OR REPLACE FUNCTION gpupool_grant_batch(p_writer text, p_writer_epoch bigint, p_items jsonb, p_full_milli integer)
        RETURNS TABLE (item integer, alternative boolean, outcome integer, fencing_token bigint, granted_at timestamptz, expires_at timestamptz, memory_bytes bigint, node_epoch bigint)
        LANGUAGE plpgsql VOLATILE
        SET lock_timeout = 1000
        AS $$
        #variable_conflict use_column
        DECLARE
            nr record;
            dr record;
            ur record;
            ir record;
            v_count integer;
            v_x jsonb;
            v_key text;
            v_want_nodes text[] := '{}';
            v_pairs jsonb[] := '{}';
            v_takes_node boolean := false;
            v_writer_alive boolean;
            v_top integer;
            v_cpu_total bigint[] := '{}';
            v_host_total bigint[] := '{}';
            v_used_cpu bigint[];
            v_used_host bigint[];
            v_cpu integer;
            v_host bigint;
            v_state text;
            v_limits bigint[];
            v_nodes text[] := '{}';
            v_epochs bigint[] := '{}';
            v_dnode text[] := '{}';
            v_ddev text[] := '{}';
            v_total bigint[] := '{}';
            v_draining boolean[] := '{}';
            v_used_memory bigint[] := '{}';
            v_used_milli bigint[] := '{}';
            v_used_leases bigint[] := '{}';
            v_idx integer[];
            v_node text;
            v_dev text;
            v_devices jsonb;
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
            -- The items granted, inserted and announced together after the checks.
            v_granted integer[] := '{}';
            v_granted_ids text[] := '{}';
            v_granted_alternative boolean[] := '{}';
            v_granted_node text[] := '{}';
            v_granted_epoch bigint[] := '{}';
            v_granted_devices jsonb[] := '{}';
            v_granted_memory bigint[] := '{}';
            v_granted_item jsonb[] := '{}';
            v_payloads text[] := '{}';
        BEGIN
            -- What the items name (owners, owner/device pairs) and whether any takes a node's CPU or host memory, read with
            -- plain expressions; then the writer's fence and the queue's top priority in one statement.
            v_count := jsonb_array_length(p_items);
            FOR i IN 0 .. v_count - 1 LOOP
                v_x := p_items->i;
                v_takes_node := v_takes_node OR (v_x->>'cpu')::integer > 0 OR (v_x->>'host')::bigint > 0;
                FOREACH v_key IN ARRAY ARRAY['', 'alt_'] LOOP
                    v_node := v_x->>(v_key || 'node');
                    CONTINUE WHEN v_node IS NULL;
                    v_want_nodes := v_want_nodes || v_node;
                    v_devices := v_x->(v_key || 'devices');
                    FOR d IN 0 .. coalesce(jsonb_array_length(v_devices), 0) - 1 LOOP
                        v_pairs := v_pairs || jsonb_build_array(v_node, v_devices->>d);
                    END LOOP;
                END LOOP;
            END LOOP;

            SELECT EXISTS (SELECT 1 FROM gpupool_nodes n WHERE n.node_id = p_writer AND n.epoch = p_writer_epoch AND n.state = 'alive'),
                   (SELECT w.priority
                    FROM gpupool_waiters w JOIN gpupool_nodes n ON n.node_id = w.node_id AND n.epoch = w.node_epoch AND n.state = 'alive'
                    WHERE w.lease_id IS NULL
                    ORDER BY w.priority DESC LIMIT 1)
            INTO v_writer_alive, v_top;
            IF NOT v_writer_alive THEN
                RETURN QUERY SELECT (e.ordinality - 1)::integer, false, 1, NULL::bigint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint
                    FROM jsonb_array_elements(p_items) WITH ORDINALITY e;
                RETURN;
            END IF;

            -- Owners share-locked in one order (a death declaration or a new epoch waits for the commit), then every device
            -- named, in one order, as in version 5. When an item takes CPU or host memory, an owner that limits them and is
            -- named by such an item is locked exclusively instead, one owner at a time in the same order (version 5's loop).
            -- Otherwise one statement share-locks them all: nobody adds to an owner's CPU or host memory without locking it
            -- exclusively, so what it holds cannot move under these share locks either.
            IF v_takes_node THEN
                FOR nr IN
                    SELECT n.node_id, (n.cpu_milli > 0 OR n.host_memory_bytes > 0) AND EXISTS (
                        SELECT 1 FROM jsonb_array_elements(p_items) x
                        WHERE n.node_id IN (x->>'node', x->>'alt_node') AND ((x->>'cpu')::integer > 0 OR (x->>'host')::bigint > 0)) AS bound
                    FROM gpupool_nodes n
                    WHERE n.node_id = ANY (v_want_nodes)
                    ORDER BY n.node_id
                LOOP
                    IF nr.bound THEN
                        SELECT n.epoch, n.state, ARRAY[n.cpu_milli, n.host_memory_bytes] INTO v_epoch, v_state, v_limits FROM gpupool_nodes n WHERE n.node_id = nr.node_id FOR NO KEY UPDATE;
                    ELSE
                        SELECT n.epoch, n.state, ARRAY[n.cpu_milli, n.host_memory_bytes] INTO v_epoch, v_state, v_limits FROM gpupool_nodes n WHERE n.node_id = nr.node_id FOR SHARE;
                        IF v_limits[1] > 0 OR v_limits[2] > 0 THEN
                            -- Limits registered meanwhile: the usage kept below must not move under this batch.
                            PERFORM 1 FROM gpupool_nodes n WHERE n.node_id = nr.node_id FOR NO KEY UPDATE;
                        END IF;
                    END IF;
                    IF v_state = 'alive' THEN
                        v_nodes := v_nodes || nr.node_id;
                        v_epochs := v_epochs || v_epoch;
                        v_cpu_total := v_cpu_total || v_limits[1];
                        v_host_total := v_host_total || v_limits[2];
                    END IF;
                END LOOP;
            ELSE
                FOR nr IN
                    SELECT n.node_id, n.epoch, n.state, n.cpu_milli, n.host_memory_bytes FROM gpupool_nodes n
                    WHERE n.node_id = ANY (v_want_nodes)
                    ORDER BY n.node_id FOR SHARE
                LOOP
                    IF nr.state = 'alive' THEN
                        v_nodes := v_nodes || nr.node_id;
                        v_epochs := v_epochs || nr.epoch;
                        v_cpu_total := v_cpu_total || nr.cpu_milli;
                        v_host_total := v_host_total || nr.host_memory_bytes;
                    END IF;
                END LOOP;
            END IF;

            FOR dr IN
                SELECT d.node_id, d.device_id, d.memory_bytes, d.draining FROM gpupool_devices d
                WHERE d.node_id = ANY (v_want_nodes) AND jsonb_build_array(d.node_id, d.device_id) = ANY (v_pairs)
                ORDER BY d.node_id, d.device_id FOR UPDATE
            LOOP
                v_dnode := v_dnode || dr.node_id;
                v_ddev := v_ddev || dr.device_id;
                v_total := v_total || dr.memory_bytes;
                v_draining := v_draining || dr.draining;
            END LOOP;

            -- What the locked devices hold, read after the locks (a statement of its own: a snapshot taken after them).
            FOR ur IN
                SELECT coalesce(u.memory, 0)::bigint AS memory, coalesce(u.milli, 0)::bigint AS milli, coalesce(u.leases, 0)::bigint AS leases
                FROM unnest(v_dnode, v_ddev) WITH ORDINALITY k(node, dev, i)
                LEFT JOIN LATERAL (
                    SELECT sum(l.memory_bytes) AS memory, sum(l.milli) AS milli, count(*) AS leases
                    FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id AND n.epoch = l.node_epoch
                    WHERE l.node_id = k.node AND l.ended_at IS NULL AND l.expires_at > now() AND k.dev = ANY(l.device_ids)
                ) u ON true
                ORDER BY k.i
            LOOP
                v_used_memory := v_used_memory || ur.memory;
                v_used_milli := v_used_milli || ur.milli;
                v_used_leases := v_used_leases || ur.leases;
            END LOOP;

            -- A node's CPU and host memory in use are only read when some owner declares a limit.
            IF 0 < ANY(v_cpu_total) OR 0 < ANY(v_host_total) THEN
                SELECT coalesce(array_agg(coalesce(u.cpu, 0)::bigint ORDER BY k.i), '{}'), coalesce(array_agg(coalesce(u.host, 0)::bigint ORDER BY k.i), '{}')
                INTO v_used_cpu, v_used_host
                FROM unnest(v_nodes, v_epochs) WITH ORDINALITY k(node, epoch, i)
                LEFT JOIN LATERAL (
                    SELECT sum(l.cpu_milli) AS cpu, sum(l.host_memory_bytes) AS host
                    FROM gpupool_leases l
                    WHERE l.node_id = k.node AND l.node_epoch = k.epoch AND l.ended_at IS NULL AND l.expires_at > now()
                ) u ON true;
            ELSE
                v_used_cpu := array_fill(0::bigint, ARRAY[cardinality(v_nodes)]);
                v_used_host := v_used_cpu;
            END IF;

            FOR i IN 0 .. v_count - 1 LOOP
                v_x := p_items->i;
                v_priority := (v_x->>'priority')::integer;
                v_milli := (v_x->>'milli')::integer;
                v_whole := (v_x->>'whole')::boolean;
                v_cpu := (v_x->>'cpu')::integer;
                v_host := (v_x->>'host')::bigint;
                IF v_top IS NOT NULL AND v_top >= v_priority THEN
                    -- A new request does not overtake a queued waiter of its priority or above.
                    v_outcome := 5;
                ELSE
                    -- The first choice, then the alternative: owner alive, every device known, distinct, not draining,
                    -- and room on each for the request on top of what it holds (the items before included).
                    v_choice := 0;
                    LOOP
                        v_key := CASE v_choice WHEN 0 THEN '' ELSE 'alt_' END;
                        v_node := v_x->>(v_key || 'node');
                        v_devices := v_x->(v_key || 'devices');
                        v_outcome := 0;
                        v_idx := '{}';
                        v_smallest := NULL;
                        v_pos := array_position(v_nodes, v_node);
                        IF v_pos IS NULL THEN
                            v_outcome := 2;
                        ELSE
                            v_epoch := v_epochs[v_pos];
                            FOR d IN 0 .. coalesce(jsonb_array_length(v_devices), 0) - 1 LOOP
                                v_dev := v_devices->>d;
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
                                v_memory := CASE WHEN v_whole AND (v_x->>'memory')::bigint = 0 THEN v_smallest ELSE (v_x->>'memory')::bigint END;
                                FOREACH v_k IN ARRAY v_idx LOOP
                                    IF (v_whole AND (v_used_leases[v_k] > 0 OR v_memory > v_total[v_k]))
                                       OR (NOT v_whole AND (v_used_memory[v_k] + v_memory > v_total[v_k] OR v_used_milli[v_k] + v_milli > p_full_milli)) THEN
                                        v_outcome := 3;
                                        EXIT;
                                    END IF;
                                END LOOP;
                            END IF;
                            IF v_outcome = 0 AND ((v_cpu_total[v_pos] > 0 AND v_used_cpu[v_pos] + v_cpu > v_cpu_total[v_pos])
                                                  OR (v_host_total[v_pos] > 0 AND v_used_host[v_pos] + v_host > v_host_total[v_pos])) THEN
                                v_outcome := 7;
                            END IF;
                        END IF;

                        EXIT WHEN v_outcome = 0 OR v_choice = 1 OR v_x->'alt_node' IS NULL;
                        v_choice := 1;
                    END LOOP;
                END IF;

                IF v_outcome <> 0 THEN
                    item := i;
                    alternative := false;
                    outcome := v_outcome;
                    fencing_token := NULL;
                    granted_at := NULL;
                    expires_at := NULL;
                    memory_bytes := NULL;
                    node_epoch := NULL;
                    RETURN NEXT;
                    CONTINUE;
                END IF;

                FOREACH v_k IN ARRAY v_idx LOOP
                    v_used_memory[v_k] := v_used_memory[v_k] + v_memory;
                    v_used_milli[v_k] := v_used_milli[v_k] + v_milli;
                    v_used_leases[v_k] := v_used_leases[v_k] + 1;
                END LOOP;
                v_used_cpu[v_pos] := v_used_cpu[v_pos] + v_cpu;
                v_used_host[v_pos] := v_used_host[v_pos] + v_host;
                v_granted := array_append(v_granted, i);
                v_granted_ids := array_append(v_granted_ids, v_x->>'id');
                v_granted_alternative := array_append(v_granted_alternative, v_choice = 1);
                v_granted_node := array_append(v_granted_node, v_node);
                v_granted_epoch := array_append(v_granted_epoch, v_epoch);
                v_granted_devices := array_append(v_granted_devices, v_devices);
                v_granted_memory := array_append(v_granted_memory, v_memory);
                v_granted_item := array_append(v_granted_item, v_x);
            END LOOP;

            IF cardinality(v_granted) = 0 THEN
                RETURN;
            END IF;

            -- Every grant in one statement, in item order (fencing tokens in that order); all announced by one more, each
            -- as in version 5.
            FOR ir IN
                INSERT INTO gpupool_leases AS l (lease_id, tenant, node_id, node_epoch, device_ids, memory_bytes, milli, cpu_milli, host_memory_bytes,
                                                 priority, ttl_ms, granted_at, expires_at, fencing_token, client_request_id, whole_devices, isolation, hard_cap)
                SELECT g.x->>'id', g.x->>'tenant', g.node, g.epoch, ARRAY(SELECT jsonb_array_elements_text(g.devices)), g.memory, (g.x->>'milli')::integer,
                       (g.x->>'cpu')::integer, (g.x->>'host')::bigint, (g.x->>'priority')::integer, (g.x->>'ttl_ms')::bigint, now(),
                       now() + (g.x->>'ttl_ms')::bigint * interval '1 millisecond', nextval('gpupool_fencing_tokens'), NULL,
                       (g.x->>'whole')::boolean, (g.x->>'isolation')::integer, (g.x->>'hard_cap')::boolean
                FROM unnest(v_granted, v_granted_node, v_granted_epoch, v_granted_devices, v_granted_memory, v_granted_item) AS g(i, node, epoch, devices, memory, x)
                ORDER BY g.i
                RETURNING l.lease_id, l.node_id, l.device_ids, l.memory_bytes, l.milli, l.cpu_milli, l.host_memory_bytes,
                          l.fencing_token, l.granted_at, l.expires_at, l.node_epoch
            LOOP
                v_k := array_position(v_granted_ids, ir.lease_id);
                item := v_granted[v_k];
                alternative := v_granted_alternative[v_k];
                outcome := 0;
                fencing_token := ir.fencing_token;
                granted_at := ir.granted_at;
                expires_at := ir.expires_at;
                memory_bytes := ir.memory_bytes;
                node_epoch := ir.node_epoch;
                RETURN NEXT;
                v_payloads := v_payloads || ('granted::' || json_build_object(
                    'l', ir.lease_id, 'n', ir.node_id, 'd', ir.device_ids, 'm', ir.memory_bytes, 'c', ir.milli, 'u', ir.cpu_milli, 'h', ir.host_memory_bytes,
                    'x', (extract(epoch FROM ir.expires_at) * 1000)::bigint)::text);
            END LOOP;
            PERFORM pg_notify('gpupool_leases', p) FROM unnest(v_payloads) p;
        END
        $$;
        """;
}

-- Periodic jobs for estoque_cache with pg_cron: a nightly verification whose
-- findings are kept in tables of your own and raise an alert, and folding for
-- servers where no background worker folds.
--
-- Prerequisites (postgresql.conf, then restart the server):
--
--   shared_preload_libraries = 'pg_cron'            -- or 'pg_cron,estoque_cache'
--   cron.database_name = 'postgres'                 -- where pg_cron keeps its jobs
--
-- and, in that database, CREATE EXTENSION pg_cron (1.4 or later). pg_cron runs a
-- job by connecting as the role that scheduled it (cron.host, default localhost):
-- pg_hba.conf must let that role in without a password prompt (trust or peer,
-- or a ~/.pgpass of the server's OS user), or set cron.use_background_workers = on.
--
-- Run this script with psql in the application's database, the one with the
-- extension, as the role the jobs will run as: it must be able to execute
-- estoque_cache_verify() and estoque_cache_fold() (and estoque_cache_refresh()
-- with reparar=on), e.g. the owner of the extension or a role granted them:
--
--   psql -X -d erp -v cron_db=postgres -f examples/cron.sql
--
-- Variables (psql -v NAME=VALUE):
--   cron_db              the database of cron.database_name (default: this one)
--   verificar_agenda     when to verify (default '30 3 * * *'; before pg_cron
--                        1.5 schedules are in GMT, later in cron.timezone)
--   reparar              on: repair what the verification found with
--                        estoque_cache_refresh() (default off: only report)
--   fold                 off when the library is preloaded and its background
--                        worker folds this database (default on)
--   fold_agenda          how often to fold (default '* * * * *', every minute;
--                        pg_cron 1.5 and later also accept '10 seconds')
--
-- Running it again updates the objects and replaces the jobs (same names).
-- What it creates, in the application's database:
--
--   estoque_ops.verificacao   one row per verification: when, how long, how many
--                             figures differ, the alerts of estoque_cache_status()
--                             then, what a repair fixed, when someone acknowledged it
--   estoque_ops.divergencia   the differing figures of each verification
--   estoque_ops.alerta        view: the verifications that found something and
--                             nobody acknowledged (what a monitoring system polls:
--                             GRANT SELECT ON estoque_ops.alerta TO monitoring;
--                             acknowledge with UPDATE estoque_ops.verificacao
--                             SET reconhecido_em = now() WHERE id = ...)
--   estoque_ops.verificar()   the nightly job's body; it also raises a WARNING
--                             (server log) and sends NOTIFY estoque_cache_alerta
--                             with {"verificacao": id, "diferencas": n} when
--                             something differs or the status has alerts
--
-- and in the cron database, pg_cron jobs named after the application's database:
--
--   estoque-cache-verificar-DB   SELECT estoque_ops.verificar(...)
--   estoque-cache-fold-DB        SELECT estoque_cache_fold()
--   estoque-cache-historico      removes these jobs' run history after 7 days

\set ON_ERROR_STOP on
SET client_min_messages = warning;

\if :{?cron_db}
\else
SELECT current_database() AS cron_db \gset
\endif
\if :{?verificar_agenda}
\else
\set verificar_agenda '30 3 * * *'
\endif
\if :{?reparar}
\else
\set reparar off
\endif
\if :{?fold}
\else
\set fold on
\endif
\if :{?fold_agenda}
\else
\set fold_agenda '* * * * *'
\endif

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'estoque_cache') THEN
        RAISE EXCEPTION 'estoque_cache is not installed in database %', current_database()
            USING HINT = 'Run this script in the application''s database.';
    END IF;
END;
$$;
SELECT current_database() AS app_db \gset
SELECT n.nspname AS ext_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'estoque_cache' \gset

-- ------------------------------------------------------------ application database

BEGIN;

CREATE SCHEMA IF NOT EXISTS estoque_ops;

CREATE TABLE IF NOT EXISTS estoque_ops.verificacao (
    id             bigserial PRIMARY KEY,
    inicio         timestamptz NOT NULL DEFAULT now(),
    duracao        interval,
    diferencas     integer,                       -- rows estoque_cache_verify() returned
    alertas        jsonb NOT NULL DEFAULT '[]',   -- estoque_cache_status()->'alertas'
    reparado       bigint,                        -- figures estoque_cache_refresh() fixed
    reconhecido_em timestamptz                    -- set by whoever handled it
);

CREATE TABLE IF NOT EXISTS estoque_ops.divergencia (
    verificacao_id bigint NOT NULL REFERENCES estoque_ops.verificacao ON DELETE CASCADE,
    cod_produto    text,
    campo          text,
    no_cache       text,
    nas_fontes     text
);
CREATE INDEX IF NOT EXISTS divergencia_verificacao_id
    ON estoque_ops.divergencia (verificacao_id);

CREATE OR REPLACE VIEW estoque_ops.alerta AS
    SELECT id, inicio, diferencas, alertas, reparado
      FROM estoque_ops.verificacao
     WHERE (diferencas > 0 OR alertas <> '[]') AND reconhecido_em IS NULL;

-- Verifies the whole cache, keeps what differs, alerts, optionally repairs;
-- forgets verifications older than `reter`. Returns how many figures differed.
CREATE OR REPLACE FUNCTION estoque_ops.verificar(reparar boolean DEFAULT false,
                                                 reter interval DEFAULT '90 days')
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = :"ext_schema", pg_catalog, pg_temp
AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    v_id bigint;
    n integer;
    status_alertas jsonb;
    corrigidas bigint;
BEGIN
    INSERT INTO estoque_ops.verificacao (inicio) VALUES (t0) RETURNING id INTO v_id;

    INSERT INTO estoque_ops.divergencia (verificacao_id, cod_produto, campo, no_cache, nas_fontes)
    SELECT v_id, v.cod_produto, v.campo, v.no_cache, v.nas_fontes
      FROM estoque_cache_verify() AS v;
    GET DIAGNOSTICS n = ROW_COUNT;

    status_alertas := coalesce(estoque_cache_status() -> 'alertas', '[]');
    IF n > 0 AND reparar THEN
        corrigidas := estoque_cache_refresh();
    END IF;

    UPDATE estoque_ops.verificacao
       SET duracao = clock_timestamp() - t0, diferencas = n,
           alertas = status_alertas, reparado = corrigidas
     WHERE id = v_id;
    DELETE FROM estoque_ops.verificacao WHERE verificacao.inicio < t0 - reter;

    IF n > 0 THEN
        RAISE WARNING 'estoque_cache: % figure(s) of the cache differ from the sources (verification %)',
                      n, v_id
            USING DETAIL = 'The figures are in estoque_ops.divergencia.',
                  HINT = CASE WHEN reparar
                              THEN format('estoque_cache_refresh() fixed %s.', corrigidas)
                              ELSE 'SELECT estoque_cache_refresh() repairs them.' END;
    END IF;
    IF status_alertas <> '[]' THEN
        RAISE WARNING 'estoque_cache_status() reports % alert(s) (verification %): %',
                      jsonb_array_length(status_alertas), v_id, status_alertas #>> '{0}';
    END IF;
    IF n > 0 OR status_alertas <> '[]' THEN
        PERFORM pg_notify('estoque_cache_alerta',
                          json_build_object('verificacao', v_id, 'diferencas', n)::text);
    END IF;
    RETURN n;
END;
$$;

COMMIT;

-- ------------------------------------------------------------ cron database

\connect :cron_db
SET client_min_messages = warning;

SELECT cron.schedule_in_database(
           'estoque-cache-verificar-' || :'app_db', :'verificar_agenda',
           'SELECT estoque_ops.verificar(reparar => '
               || CASE WHEN :'reparar'::boolean THEN 'true' ELSE 'false' END || ')',
           :'app_db') AS verificar_job;

\if :fold
SELECT cron.schedule_in_database(
           'estoque-cache-fold-' || :'app_db', :'fold_agenda',
           'SELECT estoque_cache_fold()', :'app_db') AS fold_job;
\else
SELECT cron.unschedule(jobid) AS fold_job_removed
  FROM cron.job
 WHERE jobname = 'estoque-cache-fold-' || :'app_db' AND username = current_user;
\endif

-- pg_cron keeps a row per run in cron.job_run_details; folding every minute
-- adds 1,440 a day. Keep a week of these jobs' history.
SELECT cron.schedule('estoque-cache-historico', '15 4 * * *',
           'DELETE FROM cron.job_run_details WHERE end_time < now() - interval ''7 days'' '
           'AND jobid IN (SELECT jobid FROM cron.job WHERE jobname LIKE ''estoque-cache-%'')')
       AS historico_job;

SELECT jobid, jobname, schedule, database, username, active, command
  FROM cron.job
 WHERE jobname LIKE 'estoque-cache-%'
 ORDER BY jobname;

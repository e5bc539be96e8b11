-- Every object of the installed estoque_cache extension, one line each, with
-- what defines it, free of OIDs: two databases whose extensions print the
-- same lines have the same objects.  Used by the upgrade test to compare a
-- database updated with ALTER EXTENSION ... UPDATE with a fresh install.
WITH ext AS (
    SELECT oid, extversion, extconfig, extcondition FROM pg_extension WHERE extname = 'estoque_cache'
), membros AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), linhas AS (
    -- what every member is
    SELECT pg_describe_object(m.classid, m.objid, m.objsubid) AS objeto, 'member' AS aspecto,
           '' AS valor
      FROM membros m
    UNION ALL
    -- functions: full definition, privileges, settings
    SELECT pg_describe_object(m.classid, m.objid, 0), 'definition',
           pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, 'default')
      FROM membros m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    -- relations: kind, persistence, options, privileges, comment
    SELECT pg_describe_object(m.classid, m.objid, 0), 'relation',
           format('kind=%s persistence=%s options=%s acl=%s comment=%s', c.relkind,
                  c.relpersistence, c.reloptions, coalesce(c.relacl::text, 'default'),
                  obj_description(c.oid, 'pg_class'))
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    -- columns of tables, views and sequences
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), 'column ' || a.attnum,
           format('%s %s notnull=%s default=%s collation=%s identity=%s generated=%s acl=%s',
                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attcollation::regcollation,
                  a.attidentity, a.attgenerated, a.attacl)
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    -- constraints, indexes, triggers and rules of member relations
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), 'constraint ' || k.conname,
           pg_get_constraintdef(k.oid)
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
      JOIN pg_constraint k ON k.conrelid = c.oid
    UNION ALL
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), 'index ' || i.indexrelid::regclass,
           pg_get_indexdef(i.indexrelid)
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
      JOIN pg_index i ON i.indrelid = c.oid
    UNION ALL
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), 'trigger ' || t.tgname,
           pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
      JOIN pg_trigger t ON t.tgrelid = c.oid
    UNION ALL
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0), 'view',
           pg_get_viewdef(c.oid)
      FROM membros m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
     WHERE c.relkind IN ('v', 'm')
    UNION ALL
    SELECT pg_describe_object('pg_class'::regclass, s.seqrelid, 0), 'sequence',
           format('%s start=%s increment=%s min=%s max=%s cycle=%s owned_by=%s',
                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
                  (SELECT pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
                     FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                      AND d.deptype = 'a'))
      FROM membros m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid
    UNION ALL
    -- schemas, types, event triggers
    SELECT pg_describe_object(m.classid, m.objid, 0), 'schema',
           format('owner_is_extension_owner=%s acl=%s comment=%s',
                  n.nspowner = (SELECT extowner FROM pg_extension WHERE extname = 'estoque_cache'),
                  n.nspacl, obj_description(n.oid, 'pg_namespace'))
      FROM membros m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    UNION ALL
    SELECT pg_describe_object(m.classid, m.objid, 0), 'event trigger',
           format('%s %s %s %s', e.evtevent, e.evtfoid::regprocedure, e.evtenabled, e.evttags)
      FROM membros m JOIN pg_event_trigger e
        ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
    UNION ALL
    SELECT pg_describe_object(m.classid, m.objid, 0), 'type',
           format('%s %s', t.typtype, t.typacl)
      FROM membros m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    -- what pg_dump keeps of the configuration tables
    SELECT 'extension', 'config ' || x.tab::regclass::text, coalesce(x.cond, '')
      FROM ext, unnest(ext.extconfig, ext.extcondition) AS x(tab, cond)
)
SELECT objeto || ' | ' || aspecto || ' | ' || valor FROM linhas ORDER BY 1;

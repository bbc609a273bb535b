"""Name search at provincial scale, on PostgreSQL only (SQLite's LIKE needs nothing).

- pg_trgm's GIN index on UPPER(name) answers Django's `icontains` (UPPER(name) LIKE
  UPPER('%…%')) for terms of three characters or more;
- trigrams need three characters, and most Chinese names and words are two (李安, 党委): the
  names' one- and two-character pieces (`member_name_grams`) have a GIN index of their own,
  which MemberQuerySet.named asks for a term of one or two characters.
The database needs a UTF-8 ctype, or pg_trgm ignores Chinese characters.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS member_name_trgm ON members_member "
    "USING gin (UPPER(name) gin_trgm_ops)",
    """
    CREATE OR REPLACE FUNCTION member_name_grams(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT substr(upper(name), i, n)), '{}')
      FROM generate_series(1, char_length(name)) AS i, (VALUES (1), (2)) AS pieces(n)
      WHERE i + n - 1 <= char_length(name)
    $$
    """,
    "CREATE INDEX IF NOT EXISTS member_name_grams_gin ON members_member "
    "USING gin (member_name_grams(name))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS member_name_grams_gin",
    "DROP FUNCTION IF EXISTS member_name_grams(text)",
    "DROP INDEX IF EXISTS member_name_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("members", "0005_unit_figures")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]

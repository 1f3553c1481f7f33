"""Drop the table of Django REST framework's old tokens (rest_framework.authtoken).

API tokens are accounts.ApiToken now (hashed, expiring); the old table kept every key in plain
text, in the database and in every backup, although none of them is accepted any more.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop)]

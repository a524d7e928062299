# The Aksio sync server (aksio-server) as one container: Cloud Run, compose.yaml, or any container host.
# It listens on $PORT (Cloud Run sets it; 8765 otherwise) on every interface, as a user without privileges.
# Settings come from the environment: DATABASE_URL, SECRET_KEY, GCS_BUCKET_NAME, GOOGLE_CLOUD_PROJECT, ...
# With none of them it runs embedded: SQLite and blobs under AKSIO_SERVER_HOME (mount a volume there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/aksio-server --create-home aksio

WORKDIR /app
# the dependencies first, from pyproject.toml alone: a change to the code does not reinstall them
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['server']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY README.md ./
COPY src ./src
RUN pip install --no-deps ".[server]"

USER aksio
ENV AKSIO_SERVER_HOME=/var/lib/aksio-server
WORKDIR /var/lib/aksio-server
EXPOSE 8765
# `serve` migrates the database first (once, under a lock, however many start together), then serves
CMD ["aksio-server", "serve", "--host", "0.0.0.0"]

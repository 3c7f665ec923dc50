# The image of polycorpus' Dask scheduler, workers and job pod on Kubernetes (cluster.kubernetes.image,
# cluster/templates/kubernetes-daskjob.yaml): the Dask image with polycorpus, its spaCy models and the
# s3 and kubernetes extras installed, so nothing is downloaded at run time.
#
#   docker build -t polycorpus:0.1.0 .
#   docker tag polycorpus:0.1.0 registry.example.com/polycorpus:0.1.0 && docker push registry.example.com/polycorpus:0.1.0
#
# then set cluster.kubernetes.image to the pushed name. DASK_IMAGE must hold Python 3.11 or later and
# the Dask version polycorpus' setup.cfg accepts.
ARG DASK_IMAGE=ghcr.io/dask/dask:2024.12.1-py3.11
FROM ${DASK_IMAGE}

COPY setup.cfg pyproject.toml README.md /opt/polycorpus/
COPY corpus /opt/polycorpus/corpus
COPY tasks /opt/polycorpus/tasks
COPY cluster /opt/polycorpus/cluster
COPY views /opt/polycorpus/views
RUN pip install --no-cache-dir "/opt/polycorpus[s3,kubernetes]" \
    && polycorpus --version \
    && polycorpus tasks > /dev/null

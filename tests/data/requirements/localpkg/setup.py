from setuptools import setup
setup(name="localpkg", version="1.0")

from cakupan.targeting.tests.conftest import demo_world

__all__ = ["demo_world"]

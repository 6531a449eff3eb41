raise AssertionError("modules starting with _ are not plug-ins and are never imported")

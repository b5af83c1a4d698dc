// The one rule both XML readers (xml_extractor.cc, office_extractor.cc) follow for entities.
#pragma once

#include <libxml/entities.h>
#include <libxml/tree.h>

namespace sluice::extract::internal {

// Empty entities for a SAX handler to resolve every reference with. getEntity returning
// general() for every name makes each reference (other than &amp; &lt; &gt; &quot; &apos;, which
// libxml2 resolves itself) expand to nothing, unchecked, as libxml2 takes it for predefined;
// getParameterEntity returning parameter() does the same for %name; in a DTD. So an entity bomb
// costs nothing, an external entity is never fetched, and a reference to an undeclared entity
// does not stop the parse. Must outlive the parser it is handed to.
class EmptyEntity {
 public:
  EmptyEntity() {
    Init(general_, XML_INTERNAL_PREDEFINED_ENTITY);
    Init(parameter_, XML_INTERNAL_PARAMETER_ENTITY);
  }
  EmptyEntity(const EmptyEntity&) = delete;
  EmptyEntity& operator=(const EmptyEntity&) = delete;

  xmlEntityPtr general() { return &general_; }
  xmlEntityPtr parameter() { return &parameter_; }

 private:
  void Init(xmlEntity& entity, xmlEntityType type) {
    entity.type = XML_ENTITY_DECL;
    entity.etype = type;
    entity.name = reinterpret_cast<const xmlChar*>("sluice-empty");
    entity.content = content_;
    entity.orig = content_;
  }

  xmlChar content_[1] = {0};
  xmlEntity general_{};
  xmlEntity parameter_{};
};

}  // namespace sluice::extract::internal

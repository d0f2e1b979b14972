// Checks that an ontology document is in the OWL 2 DL profile, with the OWL API's own profile checker.
// It exists because Python has no OWL 2 profile checker, while owlready2 ships the OWL API (3.4) inside
// its HermiT.jar. tests/test_ontology_profile.py runs it as a single-file program:
//
//   java -cp HermiT.jar tests/owl/ProfileCheck.java ONTOLOGY.rdf
//
// One document: the OWL API maps RDF to OWL a document at a time, so ontologies that use each other's
// terms are merged into one RDF graph first. Prints each violation on a line of its own and exits 0
// when there are none, 1 when there are, 2 when the document cannot be read.

import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    public static void main(String[] args) {
        OWLOntology ontology;
        try {
            ontology = OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(new File(args[0]));
        } catch (OWLOntologyCreationException e) {
            System.err.println(e);
            System.exit(2);
            return;
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println(violation);
        }
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
